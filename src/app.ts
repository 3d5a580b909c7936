import type { McpServer } from '@modelcontextprotocol/server';
import { Runtime } from './cluster.js';
import { configFromEnv, type AppConfig } from './config.js';
import type { ProxmoxClient } from './proxmox/client.js';
import { createMcpServer } from './server.js';
import { offerTools, withheldLines, type ToolOffer } from './tools/registry.js';
import type { ToolSpec } from './tools/types.js';
import { log } from './log.js';

// The one place the application is put together. stdio, `proxmox-mcp call` and HTTP all start here, so
// what a client sees cannot depend on the transport it came through.

type Env = Record<string, string | undefined>;

/** Where the configuration comes from: the simulated cluster, a config file, or PROXMOX_* variables. */
export interface ConfigSource {
  demo?: boolean;
  /** --config FILE; PROXMOX_CONFIG in env is used when this is unset. */
  configFile?: string;
  env?: Env;
}

export interface LoadedConfig {
  config: AppConfig;
  /** Stops what the configuration started (the demo's simulator). */
  close: () => Promise<void>;
}

/** Environment for a cluster served by an in-process simulator. */
async function demoEnvironment(env: Env): Promise<{ env: Env; close: () => Promise<void> }> {
  // Loaded only in demo mode: the simulator is not part of a normal start.
  const { startSimulator } = await import('./simulator/index.js');
  // PROXMOX_DEMO_TASK_MS: how long simulated tasks run (tests of progress and cancellation use long ones).
  const taskMs = Number(env.PROXMOX_DEMO_TASK_MS);
  const sim = await startSimulator({ quiet: true, ...(taskMs > 0 ? { taskDurationMs: taskMs } : {}) });
  log.info(`demo: simulated cluster at ${sim.url}`);
  // The simulator listens on a new port each start, so a shared cache would only collect copies: the
  // demo caches in a private folder (mode 0700) of its own, removed when it stops.
  const cache = env.PROXMOX_CACHE_DIR ? undefined : await privateTempDir('proxmox-mcp-demo-');
  return {
    env: {
      ...env,
      PROXMOX_URL: sim.url,
      PROXMOX_API_TOKEN: sim.tokens.admin,
      PROXMOX_FINGERPRINT: sim.fingerprint,
      PROXMOX_USERNAME: undefined,
      PROXMOX_PASSWORD: undefined,
      PROXMOX_CACHE_DIR: env.PROXMOX_CACHE_DIR ?? cache?.path,
    },
    close: async () => {
      await sim.close();
      cache?.remove();
    },
  };
}

/** A new folder only this user can read, removed by `remove()` or at the latest when the process exits. */
async function privateTempDir(prefix: string): Promise<{ path: string; remove: () => void }> {
  const [{ mkdtempSync, rmSync }, { tmpdir }, { join }] = await Promise.all([import('node:fs'), import('node:os'), import('node:path')]);
  const dir = mkdtempSync(join(tmpdir(), prefix)); // mkdtemp creates it with mode 0700
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  return { path: dir, remove };
}

export async function loadConfig(source: ConfigSource = {}): Promise<LoadedConfig> {
  const env = source.env ?? process.env;
  if (source.demo) {
    const demo = await demoEnvironment(env);
    return { config: configFromEnv(demo.env), close: demo.close };
  }
  const file = source.configFile ?? env.PROXMOX_CONFIG;
  if (file) {
    // The YAML parser loads only for a config file.
    const { loadConfigFile } = await import('./config-file.js');
    return { config: await loadConfigFile(file, env), close: async () => {} };
  }
  return { config: configFromEnv(env), close: async () => {} };
}

export interface App {
  readonly runtime: Runtime;
  /** The tools this configuration can serve (no write tools when every cluster is read-only, no container tool without SSH). */
  readonly tools: ToolSpec[];
  /** The tools left out, and why. */
  readonly withheld: ToolOffer['withheld'];
  /**
   * A new MCP server over the shared runtime. stdio makes one; stateless HTTP makes one per request,
   * all sharing the runtime's API clients, tickets and schema caches.
   */
  createServer(): McpServer;
  /** The one server of a stdio process: a session for its whole life (remembers the digests of configs read). */
  createSessionServer(): McpServer;
  /** Closes the API clients, then whatever the configuration started. */
  close(): Promise<void>;
}

export function createApp(config: AppConfig, opts: { clients?: Record<string, ProxmoxClient>; onClose?: () => Promise<void> } = {}): App {
  const runtime = new Runtime(config, opts.clients);
  const { tools, withheld } = offerTools(config);
  // One line per reason at start-up, so whoever set the server up sees why a tool is missing.
  for (const line of withheldLines({ tools, withheld })) log.info(line);
  const serverOptions = { tools, multiCluster: runtime.clusterNames.length > 1 };
  let closing: Promise<void> | undefined;
  return {
    runtime,
    tools,
    withheld,
    createServer: () => createMcpServer(runtime, serverOptions),
    createSessionServer: () => createMcpServer(runtime, { ...serverOptions, session: true }),
    close: () =>
      (closing ??= (async () => {
        runtime.close();
        await opts.onClose?.();
      })()),
  };
}

/** Configuration and wiring in one step, for the CLI's commands. */
export async function openApp(source: ConfigSource = {}): Promise<App> {
  const { config, close } = await loadConfig(source);
  try {
    return createApp(config, { onClose: close });
  } catch (err) {
    await close();
    throw err;
  }
}
