import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Runtime } from '../../src/cluster.js';
import { configFromEnv } from '../../src/config/env.js';
import { HttpProxmoxClient, type ApiRequest, type ProxmoxClient } from '../../src/proxmox/client.js';
import type { SimulatorHandle } from '../../src/simulator/index.js';
import { ToolError, type ToolCall, type ToolOutput, type ToolSpec } from '../../src/tools/types.js';

export const noCall: ToolCall = { signal: new AbortController().signal, progress: async () => {} };

/** What reached the node, in order: the log a refused call must never appear in. */
export interface Sent {
  method: string;
  path: string;
  params?: Record<string, unknown>;
}

/** A runtime on the simulator whose API client writes down every request it sends. */
export function recordingRuntime(
  sim: SimulatorHandle,
  env: Record<string, string> = {},
  token = sim.tokens.admin,
): { rt: Runtime; sent: Sent[] } {
  const config = configFromEnv({
    PROXMOX_URL: sim.url,
    PROXMOX_API_TOKEN: token,
    PROXMOX_FINGERPRINT: sim.fingerprint,
    PROXMOX_CACHE_DIR: mkdtempSync(path.join(tmpdir(), 'pmcp-cache-')),
    PROXMOX_CONFIRM: 'param',
    ...env,
  });
  const sent: Sent[] = [];
  const c = config.clusters[0];
  const inner = new HttpProxmoxClient({ url: c.url, credentials: c.credentials, tls: c.tls, timeoutMs: c.timeoutMs });
  const client: ProxmoxClient = {
    baseUrl: inner.baseUrl,
    request(req: ApiRequest) {
      sent.push({ method: req.method, path: req.path, params: req.params });
      return inner.request(req);
    },
    fetchText: (p, o) => inner.fetchText(p, o),
    close: () => inner.close(),
  };
  return { rt: new Runtime(config, { [c.name]: client }), sent };
}

/** Runs a tool as the MCP server does: an error becomes an error result with its structured content. */
export async function callTool(tool: ToolSpec, rt: Runtime, args: Record<string, unknown>, call: ToolCall = noCall): Promise<ToolOutput> {
  try {
    return await tool.run(tool.input.parse(args), rt, call);
  } catch (err) {
    if (err instanceof ToolError) return { text: err.message, isError: true, structured: err.structured };
    throw err;
  }
}

export function tokenOf(out: ToolOutput): string {
  const last = out.text.split('\n').at(-1) ?? '';
  const m = /^confirm: "([^"]+)"$/.exec(last);
  if (!m) throw new Error(`no confirm line at the end of:\n${out.text}`);
  return m[1];
}
