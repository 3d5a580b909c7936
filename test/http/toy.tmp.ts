import { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { startTestServer } from './helpers.js';
const s = await startTestServer(() => { const m = new McpServer({name:'t',version:'1'}); m.registerTool('echo',{inputSchema: z.object({text: z.string()})}, async({text})=>({content:[{type:'text',text}]})); return m; });
console.log(s.url);
