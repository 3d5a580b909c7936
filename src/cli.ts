import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { guardStdin } from './stdio-guard.js';
import { openApp } from './app.js';
import { ENV_SETTINGS, type EnvSetting } from './config/env.js';
import { ConfigError } from './config/error.js';
import { describeError } from './server.js';
import { withClusterChoice } from './tools/define.js';
import { allTools } from './tools/registry.js';
import { log } from './log.js';
import { VERSION } from './version.js';

/** The configuration variables by group, from the table the server reads them with (src/config/env.ts). */
function settingsHelp(): string {
  const names = (group: EnvSetting['group']) =>
    ENV_SETTINGS.filter((s) => s.group === group && s.name.startsWith('PROXMOX_')).map((s) => (s.hint ? `${s.name} (${s.hint})` : s.name));
  const wrap = (title: string, items: string[]) => {
    const lines: string[] = [];
    let line = `${title}:`;
    items.forEach((item, i) => {
      const piece = i < items.length - 1 ? `${item},` : item;
      if (line.length + 1 + piece.length > 118) {
        lines.push(line);
        line = ' ';
      }
      line += ` ${piece}`;
    });
    return [...lines, line].join('\n');
  };
  return [
    wrap('Cluster', [...names('cluster'), 'PROXMOX_CONFIG (a config file, see --config)']),
    wrap('Safety', names('safety')),
    wrap('SSH (container commands)', names('ssh')),
  ].join('\n');
}

const HELP = `proxmox-mcp ${VERSION}: the Proxmox VE API as an MCP server

Usage:
  proxmox-mcp                          MCP server over stdio, configured by PROXMOX_* variables
  proxmox-mcp --demo                   the same, backed by a simulated PVE cluster and Backup Server (no Proxmox needed)
  proxmox-mcp --config FILE            several clusters from a YAML or JSON file (or PROXMOX_CONFIG)
  proxmox-mcp --http [--host H] [--port N] [--demo | --config FILE]
                                       MCP over Streamable HTTP at http://H:N/mcp (default 127.0.0.1:3000)
  proxmox-mcp simulator [--product pve|pbs] [--port N] [--host H] [--seed S]
                                       the simulated cluster (or Backup Server) alone; prints its URL, tokens and fingerprint
                                       (the same ones on every start with the same --seed)
  proxmox-mcp call TOOL 'JSON' [--demo]
                                       one tool call from the shell, result printed
  proxmox-mcp fingerprint https://HOST:8006
                                       the SHA-256 fingerprint of the certificate a node serves, and the
                                       PROXMOX_FINGERPRINT line to use once you have checked it
  proxmox-mcp audit verify FILE [NEWER_FILE ...]
                                       checks the audit log's hash chain; names the first bad line (exit 1)
  proxmox-mcp --version | -V | --help | -h

${settingsHelp()}
HTTP: MCP_HOST, MCP_PORT (or --host, --port), MCP_AUTH_TOKEN (required off loopback), MCP_ALLOWED_HOSTS,
  MCP_ALLOWED_ORIGINS, MCP_MAX_BODY, MCP_RATE_LIMIT, MCP_TRUST_PROXY, MCP_SHUTDOWN_GRACE
Logging: PROXMOX_LOG_LEVEL (debug, info, warn, error, silent; to stderr)
Demo: PROXMOX_DEMO_TASK_MS (how long simulated tasks run)
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

const sourceOf = (opts: Options) => ({ demo: opts.demo, configFile: opts.config });

async function serveStdio(opts: Options): Promise<void> {
  const app = await openApp(sourceOf(opts));
  const server = app.createSessionServer();
  const shutdown = async () => {
    await server.close().catch(() => undefined);
    await app.close();
    process.exit(0);
  };
  process.stdin.on('end', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // Messages the SDK transport cannot take get an error answer instead of silence (src/stdio-guard.ts).
  await server.connect(new StdioServerTransport(guardStdin(process.stdin, process.stdout), process.stdout));
  // A model's first call usually comes seconds after the tool list; have the schema ready by then.
  setTimeout(() => void app.runtime.warmUp().catch(() => undefined), WARM_UP_DELAY_MS).unref();
}

/** `--http`: serves until SIGTERM/SIGINT, then lets calls in flight finish and exits. */
async function serveHttp(opts: Options): Promise<void> {
  const [{ startHttpServer, HEALTH_PATH }, { assertSafeBind, httpOptionsFromEnv }] = await Promise.all([
    import('./http/serve.js'),
    import('./http/options.js'),
  ]);
  // Settings first: a bad MCP_* value or an unsafe bind should not start a simulator only to stop it.
  const httpOpts = httpOptionsFromEnv(process.env, { host: opts.host, port: opts.port === undefined ? undefined : Number(opts.port) });
  assertSafeBind(httpOpts.host, httpOpts.authToken);
  const app = await openApp(sourceOf(opts));
  let handle: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    handle = await startHttpServer({ ...httpOpts, createServer: app.createServer });
  } catch (err) {
    await app.close();
    throw err;
  }
  log.info(
    `MCP over HTTP at ${handle.url} (${httpOpts.authToken ? 'bearer token required' : 'no authentication, loopback only'}; ` +
      `clusters: ${app.runtime.clusterNames.join(', ')}); health check at ${HEALTH_PATH}`,
  );
  // A long-running server has time: prepare the default cluster's schema and search before the first call.
  void app.runtime.warmUp().catch(() => undefined);

  const shutdown = async (signal: string) => {
    log.info(`${signal}: finishing calls in flight (up to ${httpOpts.shutdownGraceMs} ms), then exiting`);
    try {
      await handle.close();
      await app.close();
    } catch (err) {
      log.error(`shutdown: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    }
    process.exit(0);
  };
  // once: a second Ctrl-C gets Node's default and ends the process at once.
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

async function callOnce(toolName: string | undefined, json: string | undefined, opts: Options): Promise<void> {
  // Checked before the configuration is loaded, so a typo does not start a simulator or a connection.
  const tool = allTools.find((t) => t.name === toolName);
  if (!tool) {
    const known = allTools.map((t) => t.name).join(', ');
    throw new ConfigError(toolName ? `unknown tool '${toolName}'; tools: ${known}` : `call needs a tool name: ${known}`);
  }
  let args: unknown;
  try {
    args = JSON.parse(json ?? '{}');
  } catch {
    throw new ConfigError(`call ${toolName}: the arguments must be one JSON object, e.g. '{"path":"/version"}'`);
  }
  // Checked as far as it can be before the start (`cluster` is taken when there turn out to be several).
  const check = (input: typeof tool.input) => {
    const parsed = input.safeParse(args);
    if (parsed.success) return parsed.data;
    throw new ConfigError(
      `call ${toolName}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`,
    );
  };
  check(withClusterChoice(tool).input);
  const app = await openApp(sourceOf(opts));
  const offered = app.tools.find((t) => t.name === tool.name);
  if (!offered) {
    await app.close();
    const why = app.withheld.find((w) => w.name === tool.name)?.why ?? 'not in this configuration';
    throw new ConfigError(`${tool.name} is not offered: ${why}`);
  }
  let data: unknown;
  try {
    data = check(offered.input);
  } catch (err) {
    await app.close();
    throw err;
  }
  const controller = new AbortController();
  let failed = false;
  try {
    const out = await offered.run(data, app.runtime, { signal: controller.signal, progress: async () => {} });
    process.stdout.write(out.text + '\n');
    failed = !!out.isError;
  } catch (err) {
    process.stdout.write(describeError(err) + '\n');
    failed = true;
  } finally {
    await app.close();
  }
  process.exitCode = failed ? 1 : 0;
}

export async function main(argv: string[]): Promise<void> {
  // The simulator has options of its own and reads them itself.
  if (argv[0] === 'simulator') {
    const { runSimulatorCli } = await import('./simulator/cli.js');
    return runSimulatorCli(argv.slice(1));
  }
  const { values, positionals } = parseArgs({
    // -V as most tools spell it, beside -v.
    args: argv.map((a) => (a === '-V' ? '--version' : a)),
    allowPositionals: true,
    options: {
      demo: { type: 'boolean', default: false },
      http: { type: 'boolean', default: false },
      host: { type: 'string' },
      port: { type: 'string' },
      config: { type: 'string' },
      // Read by `simulator` from argv itself; declared so the strict parse here lets it through.
      product: { type: 'string' },
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
    case 'call':
      return callOnce(rest[0], rest[1], opts);
    case 'fingerprint': {
      const { runFingerprintCommand } = await import('./fingerprint-command.js');
      return void process.stdout.write((await runFingerprintCommand(rest[0], process.env)) + '\n');
    }
    case 'audit': {
      const { auditCommand } = await import('./audit-command.js');
      process.exitCode = auditCommand(rest);
      return;
    }
    default:
      throw new ConfigError(`unknown command '${printable(command)}'; see proxmox-mcp --help`);
  }
}

/** A word from the command line, safe to echo on one terminal line. */
const printable = (word: string) => word.replace(/[\x00-\x1f\x7f-\x9f]/g, '?').slice(0, 60);

/** Node's parseArgs errors, in one short line each (its own text suggests `--` tricks that do not apply). */
function usageMessage(err: TypeError & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? '';
  // The long name when Node shows both spellings ('-h, --help'), without control characters, bounded.
  const option = printable(/--[\w-]+/.exec(quoted)?.[0] ?? quoted.split(' ')[0]);
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${option}'; see proxmox-mcp --help`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(err.message)
        ? `option '${option}' needs a value; see proxmox-mcp --help`
        : `option '${option}' takes no value; see proxmox-mcp --help`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${option}'; see proxmox-mcp --help`;
    default:
      return `${err.message.split('. ')[0]}; see proxmox-mcp --help`;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`proxmox-mcp: ${usageMessage(err)}\n`);
    process.exit(2);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`proxmox-mcp: ${err.message}\n`);
    process.exit(2);
  }
  log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
