import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { McpServer } from '@modelcontextprotocol/server';
import { Runtime } from './cluster.js';
import { checkStartup } from './config/check.js';
import { demoSource, type DemoTarget } from './config/demo.js';
import { envSource } from './config/env.js';
import type { AppConfig } from './config/schema.js';
import type { ConfigSource as Settings } from './config/source.js';
import { validate } from './config/validate.js';
import { productFacts } from './proxmox/products.js';
import type { ProxmoxClient } from './proxmox/client.js';
import { createMcpServer } from './server.js';
import { instructionsFor } from './tools/instructions.js';
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

/**
 * The demo's two targets, each served by an in-process simulator: a Proxmox VE cluster and a Proxmox
 * Backup Server, tied together by the PVE storage `pbs01` that points at the PBS.
 */
async function startDemo(env: Env): Promise<{ targets: DemoTarget[]; cacheDir?: string; close: () => Promise<void> }> {
  // Loaded only in demo mode: the simulators are not part of a normal start.
  const [{ startSimulator }, { startPbsSimulator }, { linkPbsStorage }] = await Promise.all([
    import('./simulator/index.js'),
    import('./simulator/pbs/index.js'),
    import('./simulator/pbs/link.js'),
  ]);
  // PROXMOX_DEMO_TASK_MS: how long simulated tasks run (tests of progress and cancellation use long ones).
  const taskMs = Number(env.PROXMOX_DEMO_TASK_MS);
  const taskOpts = taskMs > 0 ? { taskDurationMs: taskMs } : {};
  const sim = await startSimulator({ quiet: true, ...taskOpts });
  const pbs = await startPbsSimulator(taskOpts).catch(async (err: unknown) => {
    await sim.close();
    throw err;
  });
  linkPbsStorage(sim, pbs);
  log.info(`demo: simulated cluster at ${sim.url}, simulated Backup Server at ${pbs.url}`);
  // The simulator listens on a new port each start, so a shared cache would only collect copies: the
  // demo caches in a private folder (mode 0700) of its own, removed when it stops.
  const cache = env.PROXMOX_CACHE_DIR ? undefined : privateTempDir('proxmox-mcp-demo-');
  return {
    targets: [
      { name: 'default', product: 'pve', url: sim.url, token: sim.tokens.admin, fingerprint: sim.fingerprint },
      { name: 'backup', product: 'pbs', url: pbs.url, token: pbs.tokens.admin, fingerprint: pbs.fingerprint },
    ],
    cacheDir: cache?.path,
    close: async () => {
      await Promise.all([sim.close(), pbs.close()]);
      cache?.remove();
    },
  };
}

/** A new folder only this user can read, removed by `remove()` or at the latest when the process exits. */
function privateTempDir(prefix: string): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix)); // mkdtemp creates it with mode 0700
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  return { path: dir, remove };
}

export async function loadConfig(source: ConfigSource = {}): Promise<LoadedConfig> {
  const env = source.env ?? process.env;
  const { settings, close } = await readSettings(source, env);
  try {
    const config = validate(settings);
    checkStartup(config, env, settings);
    return { config, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The source the configuration comes from: the demo's simulators, a config file, or the environment. */
async function readSettings(source: ConfigSource, env: Env): Promise<{ settings: Settings; close: () => Promise<void> }> {
  if (source.demo) {
    const demo = await startDemo(env);
    return { settings: demoSource(env, demo.targets, demo.cacheDir), close: demo.close };
  }
  const file = source.configFile ?? env.PROXMOX_CONFIG;
  if (file) {
    // The YAML parser loads only for a config file.
    const { readConfigFile } = await import('./config/file.js');
    return { settings: readConfigFile(file, env), close: async () => {} };
  }
  return { settings: envSource(env), close: async () => {} };
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
  const multiCluster = runtime.clusterNames.length > 1;
  // The workflow, then (with several clusters) which targets there are.
  const instructions = [instructionsFor(tools), multiCluster ? targetsLine(config) : undefined].filter(Boolean).join(' ');
  const serverOptions = { tools, instructions };
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

/** With several targets the model must know which is which: `Targets (pass cluster): lab (Proxmox VE, the default), backup (Proxmox Backup Server).` */
export function targetsLine(config: AppConfig): string {
  const items = config.clusters.map(
    (c) => `${c.name} (${productFacts(c.product).name}${c.name === config.defaultCluster ? ', the default' : ''})`,
  );
  return `Targets (pass cluster to choose): ${items.join(', ')}.`;
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
