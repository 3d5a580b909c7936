import { parse } from 'shell-quote';
import type { Guest } from './state.js';

/** What qemu-ga reports for a finished process, before PVE wraps it. */
export interface ExecOutcome {
  stdout: string;
  stderr: string;
  exitcode: number;
  durationMs: number;
  outTruncated: boolean;
  errTruncated: boolean;
}

/** qemu-ga could not start the program at all (PVE reports it as `Agent error: ...`). */
export class AgentExecError extends Error {}

interface Io {
  out: string;
  err: string;
  code: number;
  ms: number;
  exit?: boolean;
}

interface Env {
  guest: Guest;
  limit: number;
  outTruncated: boolean;
}

const ok = (out = '', ms = 0): Io => ({ out, err: '', code: 0, ms });
const fail = (err: string, code: number): Io => ({ out: '', err, code, ms: 0 });

function guestHostname(guest: Guest): string {
  return String(guest.config.name ?? guest.config.hostname ?? `vm${guest.vmid}`);
}

function kernel(guest: Guest): { release: string; version: string } {
  if (guest.type === 'lxc') return { release: '6.14.8-2-pve', version: '#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z)' };
  return guest.osRelease === 'ubuntu'
    ? { release: '6.8.0-45-generic', version: '#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024' }
    : { release: '6.1.0-25-amd64', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.106-3 (2024-08-26)' };
}

export function osInfo(guest: Guest): Record<string, string> {
  if (guest.os === 'windows') {
    return {
      id: 'mswindows',
      'kernel-release': '26100',
      'kernel-version': '10.0',
      machine: 'x86_64',
      name: 'Microsoft Windows',
      'pretty-name': 'Windows 11 Pro',
      variant: 'client',
      'variant-id': 'client',
      version: 'Microsoft Windows 11',
      'version-id': '11',
    };
  }
  const k = kernel(guest);
  const ubuntu = guest.osRelease === 'ubuntu';
  return {
    id: ubuntu ? 'ubuntu' : 'debian',
    'kernel-release': k.release,
    'kernel-version': k.version,
    machine: 'x86_64',
    name: ubuntu ? 'Ubuntu' : 'Debian GNU/Linux',
    'pretty-name': ubuntu ? 'Ubuntu 24.04.1 LTS' : 'Debian GNU/Linux 12 (bookworm)',
    version: ubuntu ? '24.04.1 LTS (Noble Numbat)' : '12 (bookworm)',
    'version-id': ubuntu ? '24.04' : '12',
  };
}

const KNOWN = new Set(['hostname', 'echo', 'cat', 'ls', 'false', 'true', 'sleep', 'yes', 'id', 'uname', 'whoami', 'pwd', 'wc', 'head', 'sh', 'bash']);

function baseName(program: string): string {
  const m = /^\/(?:usr\/)?s?bin\/([^/]+)$/.exec(program);
  return m ? m[1] : program;
}

function runBuiltin(argv: string[], stdin: string, env: Env): Io {
  const [prog, ...args] = argv;
  const name = baseName(prog);
  const g = env.guest;
  switch (name) {
    case 'hostname':
      return ok(`${guestHostname(g)}\n`);
    case 'echo': {
      const noNewline = args[0] === '-n';
      const words = noNewline ? args.slice(1) : args;
      return ok(words.join(' ') + (noNewline ? '' : '\n'));
    }
    case 'cat': {
      if (args.length === 0) return ok(stdin);
      let out = '';
      let err = '';
      for (const f of args) {
        const content = g.files.get(f);
        if (content === undefined) err += `cat: ${f}: No such file or directory\n`;
        else out += content;
      }
      return { out, err, code: err ? 1 : 0, ms: 0 };
    }
    case 'ls': {
      const targets = args.filter((a) => !a.startsWith('-'));
      let out = '';
      let err = '';
      for (const t of targets.length ? targets : ['/']) {
        if (g.files.has(t)) {
          out += `${t}\n`;
          continue;
        }
        const prefix = t.endsWith('/') ? t : `${t}/`;
        const entries = new Set<string>();
        for (const f of g.files.keys()) if (f.startsWith(prefix)) entries.add(f.slice(prefix.length).split('/')[0]);
        if (t === '/' || entries.size) out += [...entries].sort().join('\n') + (entries.size ? '\n' : '');
        else err += `ls: cannot access '${t}': No such file or directory\n`;
      }
      return { out, err, code: err ? 2 : 0, ms: 0 };
    }
    case 'true':
      return ok();
    case 'false':
      return { out: '', err: '', code: 1, ms: 0 };
    case 'sleep': {
      const secs = Number(args[0]);
      if (!Number.isFinite(secs) || secs < 0) return fail(`sleep: invalid time interval '${args[0] ?? ''}'\n`, 1);
      return ok('', secs * 1000);
    }
    case 'yes': {
      const line = `${args.length ? args.join(' ') : 'y'}\n`;
      const out = line.repeat(Math.ceil(env.limit / line.length)).slice(0, env.limit);
      env.outTruncated = true;
      // Real `yes` never ends on its own; qemu-ga stops capturing at the cap and the process is killed.
      return { out, err: '', code: 0, ms: 0 };
    }
    case 'id':
      if (args[0] === '-u' || args[0] === '-g') return ok('0\n');
      if (args[0] === '-un') return ok('root\n');
      return ok('uid=0(root) gid=0(root) groups=0(root)\n');
    case 'whoami':
      return ok('root\n');
    case 'pwd':
      return ok('/\n');
    case 'uname': {
      const k = kernel(g);
      if (args[0] === '-a') return ok(`Linux ${guestHostname(g)} ${k.release} ${k.version} x86_64 GNU/Linux\n`);
      if (args[0] === '-r') return ok(`${k.release}\n`);
      if (args[0] === '-n') return ok(`${guestHostname(g)}\n`);
      return ok('Linux\n');
    }
    case 'wc':
      if (args[0] === '-l') return ok(`${stdin.split('\n').length - 1}\n`);
      return ok(`${stdin.split('\n').length - 1} ${stdin.split(/\s+/).filter(Boolean).length} ${Buffer.byteLength(stdin)}\n`);
    case 'head': {
      const n = args[0] === '-n' ? Number(args[1]) : /^-\d+$/.test(args[0] ?? '') ? Number(args[0].slice(1)) : 10;
      const lines = stdin.split('\n');
      return ok(lines.slice(0, n).join('\n') + (lines.length > n ? '\n' : ''));
    }
    case 'sh':
    case 'bash':
      if (args[0] === '-c' && args[1] !== undefined) return runScript(args[1], stdin, env);
      if (args.length === 0) return runScript(stdin, '', env);
      return fail(`${name}: 0: cannot open ${args[0]}: No such file\n`, 2);
    default:
      return fail(`sh: 1: ${prog}: not found\n`, 127);
  }
}

type Token = string | { op: string } | { comment: string };

/** Runs `a; b && c || d | e > f` with the builtins above; enough for scripts a model sends. */
function runScript(script: string, stdin: string, env: Env): Io {
  const tokens = parse(script, (key) => ({ HOME: '/root', USER: 'root', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' })[key] ?? '') as Token[];
  const total: Io = { out: '', err: '', code: 0, ms: 0 };
  let words: string[] = [];
  let pipeIn: string | undefined;
  let redirect: { file?: string; append: boolean } | undefined;
  let skip = false;

  const runSimple = (): Io | undefined => {
    if (!words.length) return undefined;
    const argv = words;
    words = [];
    if (argv[0] === 'exit') return { out: '', err: '', code: Number(argv[1] ?? total.code) || 0, ms: 0, exit: true };
    return runBuiltin(argv, pipeIn ?? stdin, env);
  };

  const finishCommand = (op: string | undefined): boolean => {
    if (skip) {
      words = [];
      redirect = undefined;
      pipeIn = undefined;
    } else {
      const r = runSimple();
      if (r) {
        total.ms += r.ms;
        total.err += r.err;
        if (op === '|') {
          pipeIn = r.out;
        } else {
          pipeIn = undefined;
          if (redirect?.file) {
            const prev = redirect.append ? (env.guest.files.get(redirect.file) ?? '') : '';
            env.guest.files.set(redirect.file, prev + r.out);
          } else total.out += r.out;
          total.code = r.code;
        }
        redirect = undefined;
        if (r.exit) return false;
      }
    }
    if (op === '&&') skip = total.code !== 0;
    else if (op === '||') skip = total.code === 0;
    else if (op !== '|') skip = false;
    return true;
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (typeof t === 'string') {
      if (redirect && redirect.file === undefined) redirect.file = t;
      else words.push(t);
      continue;
    }
    if ('comment' in t) break;
    if (t.op === '>' || t.op === '>>') {
      redirect = { append: t.op === '>>' };
      continue;
    }
    if (t.op === 'glob') continue;
    if (!finishCommand(t.op)) return total;
  }
  finishCommand(undefined);
  return total;
}

function runWindows(argv: string[], env: Env): Io {
  const name = argv[0].toLowerCase().replace(/^.*\\/, '');
  const host = guestHostname(env.guest).toUpperCase();
  if (name === 'hostname' || name === 'hostname.exe') return ok(`${host}\r\n`);
  if (name !== 'cmd' && name !== 'cmd.exe') throw new AgentExecError(`Failed to execute child process “${argv[0]}” (No such file or directory)`);
  if (argv[1]?.toLowerCase() !== '/c') return ok('Microsoft Windows [Version 10.0.26100.2314]\r\n');
  const script = argv.slice(2).join(' ');
  const total: Io = { out: '', err: '', code: 0, ms: 0 };
  for (const part of script.split(/&&|&/)) {
    const cmd = part.trim();
    if (!cmd) continue;
    const [word, ...rest] = cmd.split(/\s+/);
    const lower = word.toLowerCase();
    if (lower === 'echo') total.out += `${cmd.slice(word.length).trim()}\r\n`;
    else if (lower === 'hostname') total.out += `${host}\r\n`;
    else if (lower === 'ver') total.out += '\r\nMicrosoft Windows [Version 10.0.26100.2314]\r\n';
    else if (lower === 'whoami') total.out += 'nt authority\\system\r\n';
    else {
      total.err += `'${word}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n`;
      total.code = 1;
      void rest;
      break;
    }
  }
  return total;
}

/**
 * Runs `argv` inside the simulated guest. Throws AgentExecError when the program does not exist,
 * as qemu-ga does; otherwise returns what it printed, its exit code and how long it runs.
 */
export function execInGuest(guest: Guest, argv: string[], input: string, limit: number): ExecOutcome {
  const env: Env = { guest, limit, outTruncated: false };
  let r: Io;
  if (guest.os === 'windows') r = runWindows(argv, env);
  else {
    if (!KNOWN.has(baseName(argv[0] ?? ''))) {
      throw new AgentExecError(`Failed to execute child process “${argv[0] ?? ''}” (No such file or directory)`);
    }
    r = runBuiltin(argv, input, env);
  }
  const outTruncated = env.outTruncated || Buffer.byteLength(r.out) > limit;
  const errTruncated = Buffer.byteLength(r.err) > limit;
  return {
    stdout: outTruncated ? Buffer.from(r.out).subarray(0, limit).toString() : r.out,
    stderr: errTruncated ? Buffer.from(r.err).subarray(0, limit).toString() : r.err,
    exitcode: r.code,
    durationMs: r.ms,
    outTruncated,
    errTruncated,
  };
}
