import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { SimulatorHandle } from '../../src/simulator/index.js';

/** The built server (npm test builds it first); tests that need it skip without it. */
export const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
export const haveCli = existsSync(cli);

export interface ToolAnswer {
  text: string;
  isError: boolean;
  data: unknown;
  /** `data` as compact JSON, for matching. */
  json: string;
}

export interface McpSession {
  call(tool: string, args: Record<string, unknown>): Promise<ToolAnswer>;
  /** `proxmox-api` with confirmation off; `data` is what Proxmox answered. */
  api(method: string, path: string, params?: Record<string, unknown>): Promise<ToolAnswer>;
  read(path: string, params?: Record<string, unknown>): Promise<ToolAnswer>;
  close(): Promise<void>;
}

function env(extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PROXMOX_')) out[k] = v;
  return { ...out, PROXMOX_LOG_LEVEL: 'warn', PROXMOX_CONFIRM: 'off', ...extra };
}

/**
 * The real server over stdio, with a real MCP client, talking to a test's own simulator as the given
 * token (`user@realm!id=secret`) or user/password.
 */
export async function mcpSession(
  sim: SimulatorHandle,
  auth: { token: string } | { username: string; password: string },
): Promise<McpSession> {
  const creds: Record<string, string> =
    'token' in auth ? { PROXMOX_API_TOKEN: auth.token } : { PROXMOX_USERNAME: auth.username, PROXMOX_PASSWORD: auth.password };
  const client = new Client({ name: 'simulator-families', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [cli],
      env: env({ PROXMOX_URL: sim.url, PROXMOX_FINGERPRINT: sim.fingerprint, ...creds }),
      stderr: 'pipe',
    }),
  );
  const call = async (tool: string, args: Record<string, unknown>): Promise<ToolAnswer> => {
    const r = (await client.callTool({ name: tool, arguments: args }, undefined, { timeout: 20_000 })) as {
      content: Array<{ text?: string }>;
      isError?: boolean;
      structuredContent?: { data?: unknown };
    };
    const data = r.structuredContent?.data;
    return { text: r.content.map((c) => c.text ?? '').join('\n'), isError: Boolean(r.isError), data, json: JSON.stringify(data ?? null) };
  };
  return {
    call,
    api: (method, p, params) => call('proxmox-api', { method, path: p, ...(params ? { params } : {}) }),
    read: (p, params) => call('proxmox-api-read', { path: p, ...(params ? { params } : {}) }),
    close: () => client.close(),
  };
}
