import * as z from 'zod';
import { callOutput, writeShape } from './api-input.js';
import { defineTool } from './define.js';

const input = z.object(writeShape);

export const apiTool = defineTool({
  name: 'proxmox-api',
  title: 'Proxmox API',
  description: 'Call any Proxmox VE API operation; find it with proxmox-api-schema.',
  input,
  output: callOutput,
  kind: 'write',
  // List shaping is for reads; proxmox-api-read advertises it, proxmox-api still accepts it.
  quietParams: ['fields', 'filter', 'sort', 'limit'],
  async run(args, env, call) {
    const { executeApiCall } = await import('./api-call.js');
    return executeApiCall(args, env, call, { readOnly: false, toolName: 'proxmox-api' });
  },
});
