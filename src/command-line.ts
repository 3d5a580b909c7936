import { parseArgs } from 'node:util';
import { ConfigError } from './config/error.js';
import type { CommandOptions } from './command-options.js';
import { log } from './log.js';
import { VERSION } from './version.js';

// The command line: only the argument parsing; each command loads its own modules, so a start loads what
// that command needs (a stdio start loads neither our HTTP server nor `call`, and --help not the
// configuration schema).

async function main(argv: string[]): Promise<void> {
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
  if (values.help) return void process.stdout.write((await import('./help.js')).HELP + '\n');
  if (values.version) return void process.stdout.write(VERSION + '\n');
  const opts: CommandOptions = values;
  const [command, ...rest] = positionals;
  switch (command) {
    case undefined:
      if (opts.http) return (await import('./http-command.js')).serveHttp(opts);
      return (await import('./stdio-command.js')).serveStdio(opts);
    case 'call':
      return (await import('./call-command.js')).callOnce(rest[0], rest[1], opts);
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

/** Runs one command line to its end: a usage or configuration problem exits 2 with one line, a crash 1. */
export function runCommandLine(argv: string[]): Promise<void> {
  return main(argv).catch((err: unknown) => {
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
}
