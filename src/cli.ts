import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { Runtime } from './cluster.js';
import { ConfigError, configFromEnv, type AppConfig } from './config.js';
import { createMcpServer, describeError } from './server.js';
import { toolsFor } from './tools/registry.js';
import { log } from './log.js';
import { VERSION } from './version.js';

const HELP = `proxmox-mcp ${VERSION}: the Proxmox VE API as an MCP server

Usage:
  proxmox-mcp                          MCP server over stdio, configured by PROXMOX_* variables
  proxmox-mcp --demo                   the same, backed by a simulated cluster (no Proxmox needed)
  proxmox-mcp --config FILE            several clusters from a YAML or JSON file (or PROXMOX_CONFIG)
  proxmox-mcp --http [--host H] [--port N] [--demo | --config FILE]
                                       MCP over Streamable HTTP at http://H:N/mcp (default 127.0.0.1:3000)
  proxmox-mcp simulator [--port N] [--host H]
                                       the simulated cluster alone; prints its URL, tokens and fingerprint
  proxmox-mcp call TOOL 'JSON' [--demo]
                                       one tool call from the shell, result printed
  proxmox-mcp --version | --help

Cluster: PROXMOX_URL, PROXMOX_API_TOKEN (or PROXMOX_USERNAME + PROXMOX_PASSWORD), PROXMOX_FINGERPRINT,
  PROXMOX_CA_FILE, PROXMOX_INSECURE, PROXMOX_TIMEOUT, PROXMOX_SCHEMA_FILE, PROXMOX_CACHE_DIR
Safety: PROXMOX_READONLY, PROXMOX_ALLOW, PROXMOX_DENY, PROXMOX_CONFIRM, PROXMOX_AUDIT_LOG, PROXMOX_MAX_OUTPUT
SSH (container commands): PROXMOX_SSH_KEY_PATH, PROXMOX_SSH_USER, PROXMOX_SSH_PORT, PROXMOX_SSH_HOSTS,
  PROXMOX_SSH_KNOWN_HOSTS, PROXMOX_SSH_HOST_FINGERPRINT, PROXMOX_SSH_SUDO
HTTP: MCP_AUTH_TOKEN (required off loopback), MCP_ALLOWED_HOSTS, MCP_ALLOWED_ORIGINS, MCP_MAX_BODY,
  MCP_RATE_LIMIT, MCP_TRUST_PROXY, MCP_SHUTDOWN_GRACE
See README.md for details.`;

const WARM_UP_DELAY_MS = 500;

interface Options {
  demo: boolean;
  http: boolean;
  host?: string;
  port?: string;
  config?: string;
}

// The stdio server is the main path, so its modules are imported up front (the ESM loader fetches them
// in parallel); the simulator, HTTP serving and the config-file parser load only when asked for.

/** Environment for a cluster served by an in-process simulator. */
async function demoEnvironment(): Promise<{ env: Record<string, string | undefined>; close: () => Promise<void> }> {
  const { startSimulator } = await import('./simulator/index.js');
  // PROXMOX_DEMO_TASK_MS: how long simulated tasks run (tests of progress and cancellation use long ones).
  const taskMs = Number(process.env.PROXMOX_DEMO_TASK_MS);
  const sim = await startSimulator({ quiet: true, ...(taskMs > 0 ? { taskDurationMs: taskMs } : {}) });
  log.info(`demo: simulated cluster at ${sim.url}`);
  return {
    env: {
      ...process.env,
      PROXMOX_URL: sim.url,
      PROXMOX_API_TOKEN: sim.tokens.admin,
      PROXMOX_FINGERPRINT: sim.fingerprint,
      PROXMOX_USERNAME: undefined,
      PROXMOX_PASSWORD: undefined,
      PROXMOX_SCHEMA_FILE: process.env.PROXMOX_SCHEMA_FILE,
      PROXMOX_CACHE_DIR: process.env.PROXMOX_CACHE_DIR ?? `${(await import('node:os')).tmpdir()}/proxmox-mcp-demo-cache`,
    },
    close: () => sim.close(),
  };
}

async function loadConfig(opts: Options): Promise<{ config: AppConfig; close: () => Promise<void> }> {
  if (opts.demo) {
    const demo = await demoEnvironment();
    return { config: configFromEnv(demo.env), close: demo.close };
  }
  if (opts.config || process.env.PROXMOX_CONFIG) {
    const { loadConfigFile } = await import('./config-file.js');
    return { config: await loadConfigFile(opts.config ?? process.env.PROXMOX_CONFIG!, process.env), close: async () => {} };
  }
  return { config: configFromEnv(process.env), close: async () => {} };
}

async function serveStdio(opts: Options): Promise<void> {
  const { config, close } = await loadConfig(opts);
  const runtime = new Runtime(config);
  const server = createMcpServer(runtime, { tools: toolsFor({ readonly: runtime.readonly, guests: runtime.hasGuests }), multiCluster: runtime.clusterNames.length > 1 });
  const shutdown = async () => {
    await server.close().catch(() => undefined);
    runtime.close();
    await close();
    process.exit(0);
  };
  process.stdin.on('end', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await server.connect(new StdioServerTransport());
  // A model's first call usually comes seconds after the tool list; have the schema ready by then.
  setTimeout(() => void runtime.warmUp().catch(() => undefined), WARM_UP_DELAY_MS).unref();
}

async function serveHttp(opts: Options): Promise<void> {
  const { config, close } = await loadConfig(opts);
  const { runHttpServer } = await import('./http/serve.js');
  await runHttpServer(config, { host: opts.host, port: opts.port === undefined ? undefined : Number(opts.port), onClose: close });
}

async function callOnce(toolName: string | undefined, json: string | undefined, opts: Options): Promise<void> {
  const tools = toolsFor({ readonly: false });
  const tool = tools.find((t) => t.name === toolName);
  if (!tool) {
    const known = tools.map((t) => t.name).join(', ');
    throw new ConfigError(toolName ? `unknown tool '${toolName}'; tools: ${known}` : `call needs a tool name: ${known}`);
  }
  let args: unknown;
  try {
    args = JSON.parse(json ?? '{}');
  } catch {
    throw new ConfigError(`call ${toolName}: the arguments must be one JSON object, e.g. '{"path":"/version"}'`);
  }
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) throw new ConfigError(`call ${toolName}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`);
  const { config, close } = await loadConfig(opts);
  const runtime = new Runtime(config);
  const controller = new AbortController();
  let failed = false;
  try {
    const out = await tool.run(parsed.data, runtime, { signal: controller.signal, progress: async () => {} });
    process.stdout.write(out.text + '\n');
    failed = !!out.isError;
  } catch (err) {
    process.stdout.write(describeError(err) + '\n');
    failed = true;
  } finally {
    runtime.close();
    await close();
  }
  process.exitCode = failed ? 1 : 0;
}

export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      demo: { type: 'boolean', default: false },
      http: { type: 'boolean', default: false },
      host: { type: 'string' },
      port: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  if (values.help) return void process.stdout.write(HELP + '\n');
  if (values.version) return void process.stdout.write(VERSION + '\n');
  const opts: Options = values;
  const [command, ...rest] = positionals;
  switch (command) {
    case undefined:
      return opts.http ? serveHttp(opts) : serveStdio(opts);
    case 'simulator': {
      const { runSimulatorCli } = await import('./simulator/index.js');
      return runSimulatorCli(argv.filter((a) => a !== 'simulator'));
    }
    case 'call':
      return callOnce(rest[0], rest[1], opts);
    default:
      throw new ConfigError(`unknown command '${command}'; see proxmox-mcp --help`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError || (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`proxmox-mcp: ${err.message}\n`);
    process.exit(2);
  }
  log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
