/** A hand-built ToolEnv for exec tests: one cluster, an in-memory or real client, no schema. */
import type { AppConfig, ClusterConfig, SshConfig } from '../../src/config/schema.js';
import type { ApiRequest, ApiResponse, ProxmoxClient } from '../../src/proxmox/client.js';
import { ProxmoxHttpError } from '../../src/proxmox/errors.js';
import { ToolError } from '../../src/errors.js';
import type { ToolEnv } from '../../src/context.js';
import type { SshdHarness } from './sshd-harness.js';
import { AuditLog } from '../../src/safety/audit.js';
import { Policy } from '../../src/safety/policy.js';
import type { ToolCall } from '../../src/tools/types.js';

export function sshConfig(over: Partial<SshConfig> = {}): SshConfig {
  return { user: 'root', port: 22, knownHostsPath: '/nonexistent/known_hosts', hosts: {}, sudo: false, connectTimeoutMs: 5000, ...over };
}

/** SSH settings that reach the loopback sshd of the harness as node pve1, with its key and known_hosts. */
export function harnessSsh(h: SshdHarness, over: Partial<SshConfig> = {}): SshConfig {
  return sshConfig({
    user: h.user,
    port: h.port,
    keyPath: h.clientKeyPath,
    knownHostsPath: h.knownHostsPath,
    hosts: { pve1: '127.0.0.1' },
    ...over,
  });
}

export function clusterConfig(over: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    name: 'default',
    url: 'https://127.0.0.1:8006',
    tls: {},
    timeoutMs: 5000,
    ssh: sshConfig(),
    readonly: false,
    allow: [],
    deny: [],
    ...over,
  };
}

export function makeEnv(config: ClusterConfig, client: ProxmoxClient, maxOutputTokens = 100_000): ToolEnv {
  const app: AppConfig = { clusters: [config], defaultCluster: config.name, confirm: 'off', maxOutputTokens, cacheDir: '/nonexistent' };
  const policy = new Policy({ allow: config.allow, deny: config.deny, readonly: config.readonly });
  return {
    config: app,
    cluster(name?: string) {
      if (name !== undefined && name !== config.name) throw new ToolError(`unknown cluster '${name}'; known: ${config.name}`);
      return { name: config.name, config, client, policy, catalog: async () => undefined };
    },
    audit: new AuditLog(),
  };
}

export function makeCall(signal: AbortSignal = new AbortController().signal): ToolCall {
  return { signal, progress: async () => {} };
}

/** Answers GETs from a table keyed by path; anything else is a 501, and every request is recorded. */
export class TableClient implements ProxmoxClient {
  readonly baseUrl = 'https://127.0.0.1:8006';
  readonly requests: ApiRequest[] = [];
  constructor(private readonly table: Record<string, unknown | (() => never)>) {}
  async request<T>(req: ApiRequest): Promise<ApiResponse<T>> {
    this.requests.push(req);
    const entry = this.table[`${req.method} ${req.path}`];
    if (entry === undefined) throw new ProxmoxHttpError(501, 'Method not implemented', undefined, req.method, req.path);
    const data = typeof entry === 'function' ? (entry as () => unknown)() : entry;
    return { status: 200, reason: 'OK', data: data as T, body: { data } };
  }
  async fetchText(): Promise<string> {
    throw new Error('not used');
  }
  close(): void {}
}
