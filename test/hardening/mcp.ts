import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { apidocFile } from '../reference-data.js';

/** Hostile-input tests talk to the built server (dist/cli.js) through the real MCP v2 client over stdio. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = path.join(root, 'dist/cli.js');
export const haveCli = existsSync(cli);
export const schema92 = apidocFile('9.2');

export interface ToolResult {
  content: Array<{ type: string; text?: string }>;
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
}

export const textOf = (r: ToolResult) => r.content.map((c) => c.text ?? '').join('\n');

export function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PROXMOX_') && !k.startsWith('MCP_')) env[k] = v;
  return { ...env, PROXMOX_LOG_LEVEL: 'warn', PROXMOX_CONFIRM: 'param', ...extra };
}

export interface McpSession {
  client: Client;
  stderr: () => string;
  call(name: string, args: Record<string, unknown>, timeoutMs?: number): Promise<ToolResult>;
  close(): Promise<void>;
}

/** Starts `dist/cli.js` with `args` (default: the demo cluster) and connects the MCP v2 client to it. */
export async function startServer(extraEnv: Record<string, string> = {}, args: string[] = ['--demo']): Promise<McpSession> {
  const client = new Client({ name: 'hardening', version: '1' });
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, ...args], env: serverEnv(extraEnv), stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => {
    if (err.length < 200_000) err += d.toString();
  });
  await client.connect(transport);
  return {
    client,
    stderr: () => err,
    async call(name, args, timeoutMs = 30_000) {
      return (await client.callTool({ name, arguments: args }, { timeout: timeoutMs })) as ToolResult;
    },
    close: () => client.close(),
  };
}
