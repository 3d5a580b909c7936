import { parse } from 'shell-quote';
import {
  guestFile,
  guestFileNames,
  guestHostname,
  guestServices,
  kernel,
  memoryMiB,
  processTable,
  rootDisk,
  type GuestLike,
} from './guest-content.js';
import type { Guest } from './state.js';

export { osInfo } from './guest-content.js';

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
  guest: GuestLike;
  limit: number;
  outTruncated: boolean;
  /** Exit code of the last command (`$?`). */
  last: number;
}

const ok = (out = '', ms = 0): Io => ({ out, err: '', code: 0, ms });
const fail = (err: string, code: number): Io => ({ out: '', err, code, ms: 0 });

/** The commands the simulated Linux guests have (anything else: `not found`, exit 127). */
const COMMANDS = [
  'awk',
  'bash',
  'cat',
  'cut',
  'date',
  'df',
  'echo',
  'env',
  'false',
  'free',
  'grep',
  'head',
  'hostname',
  'id',
  'ip',
  'ls',
  'mkdir',
  'nproc',
  'printf',
  'ps',
  'pwd',
  'rm',
  'sh',
  'sleep',
  'sort',
  'systemctl',
  'tail',
  'test',
  'touch',
  'tr',
  'true',
  'uname',
  'uniq',
  'uptime',
  'wc',
  'which',
  'whoami',
  'yes',
  '[',
];
const KNOWN = new Set(COMMANDS);
/**
 * qemu-ga starts a program directly with its own short PATH: system tools (systemctl, ip) are not found
 * by bare name there, only by full path or through a shell, which has the full PATH.
 */
const NOT_ON_AGENT_PATH = new Set(['systemctl', 'ip']);

function baseName(program: string): string {
  const m = /^\/(?:usr\/)?s?bin\/([^/]+)$/.exec(program);
  return m ? m[1] : program;
}

function readFile(g: GuestLike, path: string): string | undefined {
  return g.files.get(path) ?? guestFile(g, path);
}

function inputOf(args: string[], stdin: string, g: GuestLike, name: string): { text: string; err?: Io } {
  const files = args.filter((a) => !a.startsWith('-') || a === '-');
  if (!files.length) return { text: stdin };
  let text = '';
  for (const f of files) {
    if (f === '-') {
      text += stdin;
      continue;
    }
    const c = readFile(g, f);
    if (c === undefined) return { text: '', err: fail(`${name}: ${f}: No such file or directory\n`, name === 'grep' ? 2 : 1) };
    text += c;
  }
  return { text };
}

const lines = (text: string) =>
  (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n').filter((_, i, a) => a.length > 1 || a[0] !== '');

function human(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v}` : `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[u]}`;
}

function uptimeText(g: GuestLike): string {
  const secs = Math.max(0, Math.floor(Date.now() / 1000) - g.startedAt);
  const days = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const now = new Date();
  const clock = now.toISOString().slice(11, 19);
  const up = days
    ? `${days} day${days > 1 ? 's' : ''}, ${String(h).padStart(2, ' ')}:${String(m).padStart(2, '0')}`
    : `${String(h).padStart(2, ' ')}:${String(m).padStart(2, '0')}`;
  const load = readFile(g, '/proc/loadavg')!.split(' ').slice(0, 3).join(', ');
  return ` ${clock} up ${up},  1 user,  load average: ${load}\n`;
}

function df(g: GuestLike, args: string[]): string {
  const h = args.some((a) => /^-[a-zA-Z]*h/.test(a));
  const { size, used } = rootDisk(g);
  const rows: Array<[string, number, number, string]> =
    g.type === 'lxc'
      ? [
          [`/dev/mapper/pve-vm--${g.vmid}--disk--0`, size, used, '/'],
          ['none', 492 * 1024, 0, '/dev'],
          ['tmpfs', (memoryMiB(g) * 1024 ** 2) / 2, 0, '/dev/shm'],
        ]
      : [
          ['udev', (memoryMiB(g) * 1024 ** 2) / 2, 0, '/dev'],
          ['tmpfs', (memoryMiB(g) * 1024 ** 2) / 10, 1_200_000, '/run'],
          ['/dev/sda1', size - 1024 ** 3, used, '/'],
          ['tmpfs', (memoryMiB(g) * 1024 ** 2) / 2, 0, '/dev/shm'],
          ['/dev/sda15', 129718272, 12221440, '/boot/efi'],
        ];
  const fmt = (n: number) => (h ? human(n) : String(Math.floor(n / 1024)));
  const out = [`Filesystem${' '.repeat(h ? 6 : 6)}${h ? '  Size  Used Avail' : '1K-blocks     Used Available'} Use% Mounted on`];
  for (const [fs, total, u, mnt] of rows) {
    const pct = total ? Math.ceil((u / total) * 100) : 0;
    out.push(
      `${fs.padEnd(16)} ${fmt(total).padStart(h ? 5 : 9)} ${fmt(u).padStart(h ? 5 : 8)} ${fmt(total - u).padStart(h ? 5 : 9)} ${String(pct).padStart(3)}% ${mnt}`,
    );
  }
  return out.join('\n') + '\n';
}

function free(g: GuestLike, args: string[]): string {
  const total = memoryMiB(g) * 1024;
  const used = Math.floor(total * (0.2 + (g.vmid % 50) / 100));
  const cache = Math.floor(total * 0.15);
  const freeKb = total - used - cache;
  const swap = g.type === 'lxc' ? Number(g.config.swap ?? 512) * 1024 : 1048572;
  const unit = args.includes('-m') ? 1024 : args.includes('-g') ? 1024 ** 2 : 1;
  const h = args.includes('-h');
  const f = (kb: number) => (h ? human(kb * 1024).replace(/([KMGT])$/, '$1i') : String(Math.floor(kb / unit)));
  return (
    [
      '               total        used        free      shared  buff/cache   available',
      `Mem:    ${f(total).padStart(12)} ${f(used).padStart(11)} ${f(freeKb).padStart(11)} ${f(2048).padStart(11)} ${f(cache).padStart(11)} ${f(total - used).padStart(11)}`,
      `Swap:   ${f(swap).padStart(12)} ${f(0).padStart(11)} ${f(swap).padStart(11)}`,
    ].join('\n') + '\n'
  );
}

function ipCommand(g: GuestLike, args: string[]): Io {
  const obj = args.filter((a) => !a.startsWith('-'))[0] ?? '';
  const brief = args.includes('-br') || args.includes('-brief');
  const nics = Object.keys(g.config)
    .filter((k) => /^net\d+$/.test(k))
    .sort();
  const mac = (k: string) => (/([0-9A-F]{2}(:[0-9A-F]{2}){5})/i.exec(String(g.config[k]))?.[1] ?? 'bc:24:11:00:00:00').toLowerCase();
  const name = (k: string, i: number) => (g.type === 'lxc' ? `eth${k.slice(3)}` : `ens${18 + i}`);
  const addr = (k: string) => {
    const m = /ip=([0-9.]+\/\d+)/.exec(String(g.config[k]));
    return m ? m[1] : `10.10.${k.slice(3)}.${g.vmid % 250}/24`;
  };
  if (obj === '' || obj === 'a' || obj === 'addr' || obj === 'address') {
    if (brief)
      return ok(
        [
          'lo               UNKNOWN        127.0.0.1/8 ::1/128',
          ...nics.map(
            (k, i) =>
              `${name(k, i).padEnd(16)} UP             ${addr(k)} fe80::be24:11ff:fe${mac(k).slice(9, 11)}:${mac(k).slice(12, 14)}${mac(k).slice(15, 17)}/64`,
          ),
        ].join('\n') + '\n',
      );
    const out = [
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '    inet 127.0.0.1/8 scope host lo',
      '       valid_lft forever preferred_lft forever',
      '    inet6 ::1/128 scope host noprefixroute',
      '       valid_lft forever preferred_lft forever',
    ];
    nics.forEach((k, i) => {
      const n = name(k, i);
      out.push(
        `${i + 2}: ${n}${g.type === 'lxc' ? `@if${40 + i}` : ''}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc ${g.type === 'lxc' ? 'noqueue' : 'fq_codel'} state UP group default qlen 1000`,
        `    link/ether ${mac(k)} brd ff:ff:ff:ff:ff:ff`,
        `    inet ${addr(k)} brd ${addr(k).replace(/\.\d+\/\d+$/, '.255')} scope global ${n}`,
        '       valid_lft forever preferred_lft forever',
      );
    });
    return ok(out.join('\n') + '\n');
  }
  if (obj === 'r' || obj === 'route') {
    const first = nics[0] ? addr(nics[0]) : '10.10.0.2/24';
    return ok(
      `default via ${first.replace(/\.\d+\/\d+$/, '.1')} dev ${nics[0] ? name(nics[0], 0) : 'eth0'} proto ${g.type === 'lxc' ? 'static' : 'dhcp'}\n${first.replace(/\.\d+\/(\d+)$/, '.0/$1')} dev ${nics[0] ? name(nics[0], 0) : 'eth0'} proto kernel scope link src ${first.split('/')[0]}\n`,
    );
  }
  if (obj === 'l' || obj === 'link')
    return ok(
      [
        '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
        ...nics.map(
          (k, i) =>
            `${i + 2}: ${name(k, i)}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP mode DEFAULT\n    link/ether ${mac(k)} brd ff:ff:ff:ff:ff:ff`,
        ),
      ].join('\n') + '\n',
    );
  return fail(`Object "${obj}" is unknown, try "ip help".\n`, 1);
}

function systemctl(g: GuestLike, args: string[]): Io {
  const [verb, ...rest] = args.filter((a) => !a.startsWith('-'));
  const services = guestServices(g);
  const unitName = (u: string) => u.replace(/\.service$/, '');
  switch (verb) {
    case 'is-active': {
      let code = 0;
      const out = rest.map((u) => {
        const s = services.get(unitName(u));
        if (s?.active) return 'active';
        code = 3;
        return s ? 'inactive' : 'inactive';
      });
      return { out: out.join('\n') + '\n', err: '', code: rest.length ? code : 1, ms: 0 };
    }
    case 'is-enabled': {
      const s = services.get(unitName(rest[0] ?? ''));
      if (!s) return fail(`Failed to get unit file state for ${rest[0]}.service: No such file or directory\n`, 1);
      return { out: 'enabled\n', err: '', code: 0, ms: 0 };
    }
    case 'status': {
      if (!rest.length)
        return ok(
          `● ${guestHostname(g)}\n    State: running\n    Units: ${services.size + 40} loaded (incl. loaded aliases)\n     Jobs: 0 queued\n   Failed: 0 units\n`,
        );
      let out = '';
      let code = 0;
      for (const u of rest) {
        const s = services.get(unitName(u));
        if (!s) {
          return { out, err: `Unit ${unitName(u)}.service could not be found.\n`, code: 4, ms: 0 };
        }
        const since = new Date(g.startedAt * 1000 + 4000).toUTCString();
        out += `● ${s.name}.service - ${s.description}\n     Loaded: loaded (/lib/systemd/system/${s.name}.service; enabled; preset: enabled)\n     Active: ${s.active ? `active (running) since ${since}` : 'inactive (dead)'}\n${s.active ? `   Main PID: ${s.pid} (${s.process})\n      Tasks: ${s.tasks}\n     Memory: ${s.memory}\n` : ''}\n`;
        if (!s.active) code = 3;
      }
      return { out, err: '', code, ms: 0 };
    }
    case 'list-units':
    case undefined: {
      const rows = [...services.values()].map(
        (s) => `  ${(s.name + '.service').padEnd(32)} loaded ${s.active ? 'active   running' : 'inactive dead   '} ${s.description}`,
      );
      return ok(
        `  UNIT                             LOAD   ACTIVE SUB     DESCRIPTION\n${rows.join('\n')}\n\n${rows.length} loaded units listed.\n`,
      );
    }
    case 'start':
    case 'stop':
    case 'restart':
    case 'reload': {
      for (const u of rest) {
        const s = services.get(unitName(u));
        if (!s) return fail(`Failed to ${verb} ${unitName(u)}.service: Unit ${unitName(u)}.service not found.\n`, 5);
        g.serviceState ??= {};
        g.serviceState[s.name] = verb !== 'stop';
      }
      return ok();
    }
    default:
      return fail(`Unknown command verb '${verb}'.\n`, 1);
  }
}

function grep(args: string[], stdin: string, g: GuestLike): Io {
  const flags = new Set<string>();
  let pattern: string | undefined;
  const files: string[] = [];
  for (const a of args) {
    if (pattern === undefined && /^-[a-zA-Z]+$/.test(a)) for (const c of a.slice(1)) flags.add(c);
    else if (pattern === undefined) pattern = a;
    else files.push(a);
  }
  if (pattern === undefined) return fail('Usage: grep [OPTION]... PATTERNS [FILE]...\n', 2);
  const input = inputOf(files, stdin, g, 'grep');
  if (input.err) return input.err;
  let re: RegExp;
  try {
    re = new RegExp(
      flags.has('F') ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern.replace(/\\\|/g, '|'),
      flags.has('i') ? 'i' : '',
    );
  } catch {
    return fail(`grep: Unmatched ( or \\(\n`, 2);
  }
  const matched = lines(input.text).filter((l) => re.test(l) !== flags.has('v'));
  const code = matched.length ? 0 : 1;
  if (flags.has('q')) return { out: '', err: '', code, ms: 0 };
  if (flags.has('c')) return { out: `${matched.length}\n`, err: '', code, ms: 0 };
  return { out: matched.length ? matched.join('\n') + '\n' : '', err: '', code, ms: 0 };
}

function awk(args: string[], stdin: string, g: GuestLike): Io {
  let sep: RegExp = /\s+/;
  const rest = [...args];
  if (rest[0]?.startsWith('-F')) {
    const f = rest[0].length > 2 ? rest.shift()!.slice(2) : (rest.shift(), rest.shift() ?? ' ');
    sep = new RegExp(f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
  const program = rest.shift() ?? '';
  const m = /^\s*(?:\/(.*)\/\s*)?\{\s*print\s+([^}]*)\}\s*$/.exec(program);
  if (!m) return fail(`awk: only '{print $N, ...}' programs are supported here\n`, 2);
  const input = inputOf(rest, stdin, g, 'awk');
  if (input.err) return input.err;
  const filter = m[1] !== undefined ? new RegExp(m[1]) : undefined;
  const out: string[] = [];
  for (const line of lines(input.text)) {
    if (filter && !filter.test(line)) continue;
    const fields = line.trim().split(sep);
    const parts = m[2]
      .split(',')
      .map((x) => x.trim())
      .map((x) =>
        x === '$0'
          ? line
          : /^\$\d+$/.test(x)
            ? (fields[Number(x.slice(1)) - 1] ?? '')
            : x === '$NF'
              ? fields[fields.length - 1]
              : x === 'NF'
                ? String(fields.length)
                : x.replace(/^"|"$/g, ''),
      );
    out.push(parts.join(' '));
  }
  return ok(out.length ? out.join('\n') + '\n' : '');
}

function lsCommand(g: GuestLike, args: string[]): Io {
  const long = args.some((a) => /^-[a-zA-Z]*l/.test(a));
  const targets = args.filter((a) => !a.startsWith('-'));
  const names = guestFileNames(g);
  let out = '';
  let err = '';
  for (const t of targets.length ? targets : ['/root']) {
    const path = t.length > 1 ? t.replace(/\/$/, '') : t;
    if (readFile(g, path) !== undefined) {
      out += long
        ? `-rw-r--r-- 1 root root ${String(Buffer.byteLength(readFile(g, path)!)).padStart(6)} Nov 29 10:00 ${path}\n`
        : `${path}\n`;
      continue;
    }
    const prefix = path === '/' ? '/' : `${path}/`;
    const entries = new Set<string>();
    for (const f of names) if (f.startsWith(prefix)) entries.add(f.slice(prefix.length).split('/')[0]);
    if (path === '/')
      for (const d of ['bin', 'boot', 'dev', 'etc', 'home', 'lib', 'proc', 'root', 'run', 'sbin', 'srv', 'sys', 'tmp', 'usr', 'var'])
        entries.add(d);
    if (path === '/root' || path === '/tmp' || entries.size) {
      const list = [...entries].sort();
      out += long
        ? `total ${list.length * 4}\n${list.map((e) => `${names.has(`${prefix}${e}`) ? '-rw-r--r--' : 'drwxr-xr-x'} 1 root root 4096 Nov 29 10:00 ${e}`).join('\n')}${list.length ? '\n' : ''}`
        : list.join('\n') + (list.length ? '\n' : '');
    } else err += `ls: cannot access '${t}': No such file or directory\n`;
  }
  return { out, err, code: err ? 2 : 0, ms: 0 };
}

function printf(args: string[]): Io {
  const [fmt = '', ...vals] = args;
  let i = 0;
  let out = '';
  do {
    out += fmt
      .replace(/\\n/g, '\n')
      .replace(/\\t/g, '\t')
      .replace(/%(-?\d*)([sdx%])/g, (_, w: string, c: string) => {
        if (c === '%') return '%';
        const v = vals[i++] ?? '';
        const s = c === 'd' ? String(Number.parseInt(v, 10) || 0) : c === 'x' ? (Number.parseInt(v, 10) || 0).toString(16) : v;
        const width = Number(w);
        return width < 0 ? s.padEnd(-width) : s.padStart(width || 0);
      });
  } while (i < vals.length && /%[-\d]*[sdx]/.test(fmt));
  return ok(out);
}

function testCommand(args: string[], g: GuestLike): Io {
  const a = args[args.length - 1] === ']' ? args.slice(0, -1) : args;
  const truth = (() => {
    if (a.length === 2 && a[0] === '-f') return g.files.has(a[1]) || guestFile(g, a[1]) !== undefined;
    if (a.length === 2 && a[0] === '-e')
      return readFile(g, a[1]) !== undefined || [...guestFileNames(g)].some((f) => f.startsWith(`${a[1]}/`));
    if (a.length === 2 && a[0] === '-d')
      return (
        [...guestFileNames(g)].some((f) => f.startsWith(`${a[1].replace(/\/$/, '')}/`)) ||
        ['/', '/etc', '/proc', '/root', '/tmp'].includes(a[1])
      );
    if (a.length === 2 && a[0] === '-z') return a[1] === '';
    if (a.length === 2 && a[0] === '-n') return a[1] !== '';
    if (a.length === 3 && (a[1] === '=' || a[1] === '==')) return a[0] === a[2];
    if (a.length === 3 && a[1] === '!=') return a[0] !== a[2];
    const n = (x: string) => Number(x);
    if (a.length === 3 && ['-eq', '-ne', '-lt', '-gt', '-le', '-ge'].includes(a[1]))
      return {
        '-eq': n(a[0]) === n(a[2]),
        '-ne': n(a[0]) !== n(a[2]),
        '-lt': n(a[0]) < n(a[2]),
        '-gt': n(a[0]) > n(a[2]),
        '-le': n(a[0]) <= n(a[2]),
        '-ge': n(a[0]) >= n(a[2]),
      }[a[1]]!;
    if (a.length === 1) return a[0] !== '';
    return false;
  })();
  return { out: '', err: '', code: truth ? 0 : 1, ms: 0 };
}

function runBuiltin(argv: string[], stdin: string, env: Env): Io {
  const [prog, ...args] = argv;
  const name = baseName(prog);
  const g = env.guest;
  switch (name) {
    case 'hostname':
      if (args[0] === '-I')
        return ok(
          `${ipCommand(g, ['-br', 'a'])
            .out.split('\n')
            .slice(1)
            .map((l) => l.split(/\s+/)[2]?.split('/')[0])
            .filter(Boolean)
            .join(' ')} \n`,
        );
      if (args[0] === '-f') return ok(`${guestHostname(g)}.simlab.example\n`);
      return ok(`${guestHostname(g)}\n`);
    case 'echo': {
      const noNewline = args[0] === '-n';
      const words = noNewline ? args.slice(1) : args;
      return ok(words.join(' ') + (noNewline ? '' : '\n'));
    }
    case 'printf':
      return printf(args);
    case 'cat': {
      if (args.length === 0) return ok(stdin);
      let out = '';
      let err = '';
      for (const f of args) {
        if (f === '-') {
          out += stdin;
          continue;
        }
        const content = readFile(g, f);
        if (content === undefined)
          err += `cat: ${f}: ${guestFileNames(g).has(f) || [...guestFileNames(g)].some((x) => x.startsWith(`${f}/`)) ? 'Is a directory' : 'No such file or directory'}\n`;
        else out += content;
      }
      return { out, err, code: err ? 1 : 0, ms: 0 };
    }
    case 'ls':
      return lsCommand(g, args);
    case 'true':
      return ok();
    case 'false':
      return { out: '', err: '', code: 1, ms: 0 };
    case 'test':
    case '[':
      return testCommand(args, g);
    case 'sleep': {
      const secs = Number(String(args[0] ?? '').replace(/s$/, ''));
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
      if (args[0] === '-un' || args[0] === '-nu') return ok('root\n');
      return ok('uid=0(root) gid=0(root) groups=0(root)\n');
    case 'whoami':
      return ok('root\n');
    case 'pwd':
      return ok('/root\n');
    case 'uname': {
      const k = kernel(g);
      if (args[0] === '-a') return ok(`Linux ${guestHostname(g)} ${k.release} ${k.version} x86_64 GNU/Linux\n`);
      if (args[0] === '-r') return ok(`${k.release}\n`);
      if (args[0] === '-n') return ok(`${guestHostname(g)}\n`);
      if (args[0] === '-m') return ok('x86_64\n');
      return ok('Linux\n');
    }
    case 'uptime':
      if (args[0] === '-p') {
        const secs = Math.max(0, Math.floor(Date.now() / 1000) - g.startedAt);
        return ok(
          `up ${Math.floor(secs / 86400)} days, ${Math.floor((secs % 86400) / 3600)} hours, ${Math.floor((secs % 3600) / 60)} minutes\n`,
        );
      }
      if (args[0] === '-s') return ok(`${new Date(g.startedAt * 1000).toISOString().replace('T', ' ').slice(0, 19)}\n`);
      return ok(uptimeText(g));
    case 'df':
      return ok(df(g, args));
    case 'free':
      return ok(free(g, args));
    case 'nproc':
      return ok(`${Number(g.config.cores ?? 1) * Number(g.config.sockets ?? 1)}\n`);
    case 'ip':
      return ipCommand(g, args);
    case 'ps': {
      const table = processTable(g);
      if (args.some((a) => /aux|-ef|-e/.test(a))) {
        return ok(
          `USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n${table.map((p) => `${p.user.padEnd(8)} ${String(p.pid).padStart(7)}  ${p.cpu.toFixed(1)}  ${p.mem.toFixed(1)} ${String(p.vsz).padStart(6)} ${String(p.rss).padStart(5)} ?        ${p.stat.padEnd(4)} 10:00   0:0${p.pid % 10} ${p.command}`).join('\n')}\n`,
        );
      }
      return ok(
        `    PID TTY          TIME CMD\n   ${(process.pid % 900) + 100} pts/0    00:00:00 sh\n   ${(process.pid % 900) + 101} pts/0    00:00:00 ps\n`,
      );
    }
    case 'systemctl':
      return systemctl(g, args);
    case 'date':
      if (args[0] === '+%s') return ok(`${Math.floor(Date.now() / 1000)}\n`);
      if (args[0] === '-u' || args[0] === '--utc') return ok(`${new Date().toUTCString().replace('GMT', 'UTC')}\n`);
      return ok(`${new Date().toUTCString().replace('GMT', 'UTC')}\n`);
    case 'env':
      return ok(
        `HOME=/root\nUSER=root\nLOGNAME=root\nSHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nPWD=/root\nLANG=C.UTF-8\n`,
      );
    case 'which': {
      const found = args.filter((a) => KNOWN.has(baseName(a)));
      return {
        out: found.map((a) => `/usr/bin/${baseName(a)}`).join('\n') + (found.length ? '\n' : ''),
        err: '',
        code: found.length === args.length && args.length ? 0 : 1,
        ms: 0,
      };
    }
    case 'wc': {
      const input = inputOf(args, stdin, g, 'wc');
      if (input.err) return input.err;
      const text = input.text;
      const n = (text.match(/\n/g) ?? []).length;
      if (args.includes('-l')) return ok(`${n}\n`);
      if (args.includes('-w')) return ok(`${text.split(/\s+/).filter(Boolean).length}\n`);
      if (args.includes('-c')) return ok(`${Buffer.byteLength(text)}\n`);
      return ok(
        `${String(n).padStart(7)} ${String(text.split(/\s+/).filter(Boolean).length).padStart(7)} ${String(Buffer.byteLength(text)).padStart(7)}\n`,
      );
    }
    case 'head':
    case 'tail': {
      let n = 10;
      const rest: string[] = [];
      for (let i = 0; i < args.length; i++) {
        if (args[i] === '-n') n = Number(args[++i]);
        else if (/^-n?\d+$/.test(args[i])) n = Number(args[i].replace(/^-n?/, ''));
        else rest.push(args[i]);
      }
      const input = inputOf(rest, stdin, g, name);
      if (input.err) return input.err;
      const all = lines(input.text);
      const pick = name === 'head' ? all.slice(0, n) : all.slice(Math.max(0, all.length - n));
      return ok(pick.length ? pick.join('\n') + '\n' : '');
    }
    case 'sort': {
      const input = inputOf(
        args.filter((a) => !a.startsWith('-')),
        stdin,
        g,
        'sort',
      );
      if (input.err) return input.err;
      let all = lines(input.text);
      all = args.includes('-n') ? all.sort((a, b) => parseFloat(a) - parseFloat(b)) : all.sort();
      if (args.includes('-r')) all.reverse();
      if (args.includes('-u')) all = [...new Set(all)];
      return ok(all.length ? all.join('\n') + '\n' : '');
    }
    case 'uniq': {
      const all = lines(stdin);
      const out: Array<[string, number]> = [];
      for (const l of all) {
        if (out.length && out[out.length - 1][0] === l) out[out.length - 1][1]++;
        else out.push([l, 1]);
      }
      return ok(out.map(([l, c]) => (args.includes('-c') ? `${String(c).padStart(7)} ${l}` : l)).join('\n') + (out.length ? '\n' : ''));
    }
    case 'cut': {
      const d = args.find((a) => a.startsWith('-d'));
      const f = args.find((a) => a.startsWith('-f'));
      const delim = d ? (d.length > 2 ? d.slice(2) : args[args.indexOf(d) + 1]) : '\t';
      const fieldsSpec = f ? (f.length > 2 ? f.slice(2) : args[args.indexOf(f) + 1]) : undefined;
      if (!fieldsSpec) return fail('cut: you must specify a list of bytes, characters, or fields\n', 1);
      const idx = fieldsSpec.split(',').map(Number);
      return ok(
        lines(stdin)
          .map((l) => idx.map((i) => l.split(delim)[i - 1] ?? '').join(delim))
          .join('\n') + '\n',
      );
    }
    case 'tr': {
      if (args[0] === '-d')
        return ok(
          stdin
            .split('')
            .filter((c) => !(args[1] ?? '').includes(c))
            .join(''),
        );
      const [from = '', to = ''] = args;
      const expand = (s: string) => s.replace(/a-z/g, 'abcdefghijklmnopqrstuvwxyz').replace(/A-Z/g, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
      const a = expand(from);
      const b = expand(to);
      return ok(
        stdin
          .split('')
          .map((c) => (a.includes(c) ? (b[a.indexOf(c)] ?? b[b.length - 1] ?? '') : c))
          .join(''),
      );
    }
    case 'grep':
      return grep(args, stdin, g);
    case 'awk':
      return awk(args, stdin, g);
    case 'touch':
      for (const f of args) if (!g.files.has(f)) g.files.set(f, '');
      return ok();
    case 'mkdir':
      return ok();
    case 'rm': {
      for (const f of args.filter((a) => !a.startsWith('-'))) {
        if (!g.files.delete(f) && !args.some((a) => /^-[a-zA-Z]*f/.test(a)))
          return fail(`rm: cannot remove '${f}': No such file or directory\n`, 1);
      }
      return ok();
    }
    case 'sh':
    case 'bash':
      if (args[0] === '-c' && args[1] !== undefined) return runScript(args[1], stdin, env);
      if (args.length === 0) return runScript(stdin, '', env);
      {
        const script = readFile(g, args[0]);
        if (script !== undefined) return runScript(script, stdin, env);
      }
      return fail(`${name}: 0: cannot open ${args[0]}: No such file\n`, 2);
    default:
      return fail(`sh: 1: ${prog}: not found\n`, 127);
  }
}

type Token = string | { op: string } | { comment: string };

const LAST_STATUS = '\u0000?\u0000';

/** Marks `2>file`, `2>&1` and `>&2` outside quotes, which shell-quote cannot tell from `echo 2 > f`. */
function markStderr(script: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') {
        out += c + (script[i + 1] ?? '');
        i++;
        continue;
      }
      out += c;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    if (c === '2' && script[i + 1] === '>' && (i === 0 || /\s/.test(script[i - 1]))) {
      if (script.startsWith('2>&1', i)) {
        out += ' __STDERR_TO_STDOUT__ ';
        i += 3;
      } else {
        out += ' __STDERR_TO__ ';
        i += 1;
      }
      continue;
    }
    out += c;
  }
  return out;
}

/** Runs `a; b && c || d | e > f < g 2>&1` with the commands above; enough for scripts a model sends. */
function runScript(script: string, stdin: string, env: Env): Io {
  const vars: Record<string, string> = {
    HOME: '/root',
    USER: 'root',
    LOGNAME: 'root',
    SHELL: '/bin/sh',
    PWD: '/root',
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOSTNAME: guestHostname(env.guest),
  };
  const tokens = parse(markStderr(script), (key) => (key === '?' ? LAST_STATUS : (vars[key] ?? ''))) as Token[];
  const total: Io = { out: '', err: '', code: 0, ms: 0 };
  let words: string[] = [];
  let pipeIn: string | undefined;
  let redirect: { file?: string; append: boolean } | undefined;
  let input: { file?: string } | undefined;
  let errTo: { file?: string; toOut?: boolean } | undefined;
  let skip = false;

  const runSimple = (): Io | undefined => {
    if (!words.length) return undefined;
    const argv = words.map((w) => w.split(LAST_STATUS).join(String(env.last)));
    words = [];
    if (argv[0] === 'exit') return { out: '', err: '', code: Number(argv[1] ?? env.last) || 0, ms: 0, exit: true };
    if (argv[0] === 'cd' || argv[0] === 'export' || argv[0] === 'set' || argv[0] === ':') return ok();
    let stdinText = pipeIn ?? stdin;
    if (input?.file !== undefined) {
      const content = readFile(env.guest, input.file);
      input = undefined;
      if (content === undefined) return fail(`sh: 1: cannot open ${input ?? ''}: No such file\n`, 2);
      stdinText = content;
    }
    const r = runBuiltin(argv, stdinText, env);
    env.last = r.code;
    return r;
  };

  const finishCommand = (op: string | undefined): boolean => {
    if (skip) {
      words = [];
      redirect = undefined;
      input = undefined;
      errTo = undefined;
      pipeIn = undefined;
    } else {
      const r = runSimple();
      if (r) {
        total.ms += r.ms;
        if (errTo?.toOut) r.out += r.err;
        else if (errTo?.file && errTo.file !== '/dev/null') env.guest.files.set(errTo.file, r.err);
        else if (!errTo) total.err += r.err;
        errTo = undefined;
        if (op === '|') {
          pipeIn = r.out;
        } else {
          pipeIn = undefined;
          if (redirect?.file) {
            if (redirect.file !== '/dev/null') {
              const prev = redirect.append ? (env.guest.files.get(redirect.file) ?? '') : '';
              env.guest.files.set(redirect.file, prev + r.out);
            }
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
      if (t === '__STDERR_TO_STDOUT__') errTo = { toOut: true };
      else if (t === '__STDERR_TO__') errTo = {};
      else if (errTo && !errTo.toOut && errTo.file === undefined) errTo.file = t;
      else if (redirect && redirect.file === undefined) redirect.file = t;
      else if (input && input.file === undefined) input.file = t;
      else words.push(t);
      continue;
    }
    if ('comment' in t) break;
    if (t.op === '>' || t.op === '>>') {
      redirect = { append: t.op === '>>' };
      continue;
    }
    if (t.op === '<') {
      input = {};
      continue;
    }
    if (t.op === '>&') {
      // `>&2`: to stderr; the target word follows.
      const target = tokens[i + 1];
      if (target === '2') {
        i++;
        words.push('__TO_STDERR__');
      }
      continue;
    }
    if (t.op === 'glob') {
      words.push((t as unknown as { pattern: string }).pattern);
      continue;
    }
    if (t.op === '&') continue;
    if (!finishCommand(t.op)) return total;
  }
  finishCommand(undefined);
  return total;
}

function runWindows(argv: string[], env: Env): Io {
  const g = env.guest;
  const name = argv[0]
    .toLowerCase()
    .replace(/^.*\\/, '')
    .replace(/\.exe$/, '');
  const host = guestHostname(g).toUpperCase();
  const one = (cmd: string): Io => {
    const [word = '', ...rest] = cmd.trim().split(/\s+/);
    const lower = word.toLowerCase();
    const arg = cmd.trim().slice(word.length).trim();
    switch (lower) {
      case 'echo':
        return ok(`${arg}\r\n`);
      case 'hostname':
        return ok(`${host}\r\n`);
      case 'ver':
        return ok('\r\nMicrosoft Windows [Version 10.0.26100.2314]\r\n');
      case 'whoami':
        return ok('nt authority\\system\r\n');
      case 'ipconfig': {
        const nics = Object.keys(g.config)
          .filter((k) => /^net\d+$/.test(k))
          .sort();
        return ok(
          `\r\nWindows IP Configuration\r\n\r\n${nics.map((k, i) => `\r\nEthernet adapter Ethernet${i ? ` ${i + 1}` : ''}:\r\n\r\n   Connection-specific DNS Suffix  . : simlab.example\r\n   IPv4 Address. . . . . . . . . . . : 10.10.${k.slice(3)}.${g.vmid % 250}\r\n   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r\n   Default Gateway . . . . . . . . . : 10.10.${k.slice(3)}.1\r\n`).join('')}`,
        );
      }
      case 'systeminfo':
        return ok(
          `\r\nHost Name:                 ${host}\r\nOS Name:                   Microsoft Windows 11 Pro\r\nOS Version:                10.0.26100 N/A Build 26100\r\nSystem Boot Time:          ${new Date(g.startedAt * 1000).toLocaleString('en-US', { timeZone: 'UTC' })}\r\nSystem Manufacturer:       QEMU\r\nSystem Model:              Standard PC (Q35 + ICH9, 2009)\r\nTotal Physical Memory:     ${memoryMiB(g).toLocaleString('en-US')} MB\r\n`,
        );
      case 'tasklist':
        return ok(
          `\r\nImage Name                     PID Session Name        Session#    Mem Usage\r\n========================= ======== ================ =========== ============\r\nSystem Idle Process              0 Services                   0          8 K\r\nSystem                           4 Services                   0        144 K\r\nsvchost.exe                    912 Services                   0     28,412 K\r\nqemu-ga.exe                   2212 Services                   0      6,120 K\r\nexplorer.exe                  5120 Console                    1     98,304 K\r\n`,
        );
      case 'dir':
        return ok(
          ` Volume in drive C has no label.\r\n\r\n Directory of ${arg || 'C:\\'}\r\n\r\n11/29/2026  10:00 AM    <DIR>          Program Files\r\n11/29/2026  10:00 AM    <DIR>          Users\r\n11/29/2026  10:00 AM    <DIR>          Windows\r\n               0 File(s)              0 bytes\r\n               3 Dir(s)  ${(rootDisk(g).size - rootDisk(g).used).toLocaleString('en-US')} bytes free\r\n`,
        );
      case 'type': {
        const content = g.files.get(arg);
        return content === undefined ? fail('The system cannot find the file specified.\r\n', 1) : ok(content);
      }
      case 'exit':
        return { out: '', err: '', code: Number(rest[0] ?? 0) || 0, ms: 0, exit: true };
      default:
        return fail(`'${word}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n`, 1);
    }
  };
  if (name === 'hostname' || name === 'ipconfig' || name === 'systeminfo' || name === 'tasklist' || name === 'whoami')
    return one(argv.join(' '));
  if (name === 'powershell' || name === 'pwsh') {
    const script = argv
      .slice(1)
      .filter((a) => !/^-(command|c|noprofile|nologo)$/i.test(a))
      .join(' ');
    if (/^\s*hostname\s*$/i.test(script) || /\$env:COMPUTERNAME/i.test(script)) return ok(`${host}\r\n`);
    if (/Get-Service/i.test(script))
      return ok(
        '\r\nStatus   Name               DisplayName\r\n------   ----               -----------\r\nRunning  QEMU-GA            QEMU Guest Agent\r\nRunning  Spooler            Print Spooler\r\nStopped  wuauserv           Windows Update\r\n',
      );
    if (/Get-Date/i.test(script)) return ok(`${new Date().toUTCString()}\r\n`);
    if (/Write-Output|echo/i.test(script))
      return ok(`${script.replace(/^.*?(Write-Output|echo)\s+/i, '').replace(/^["']|["']$/g, '')}\r\n`);
    return fail(
      `${script.split(/\s+/)[0]} : The term '${script.split(/\s+/)[0]}' is not recognized as the name of a cmdlet, function, script file, or operable program.\r\n`,
      1,
    );
  }
  if (name !== 'cmd') throw new AgentExecError(`Failed to execute child process “${argv[0]}” (No such file or directory)`);
  if (argv[1]?.toLowerCase() !== '/c') return ok('Microsoft Windows [Version 10.0.26100.2314]\r\n');
  const script = argv.slice(2).join(' ');
  const total: Io = { out: '', err: '', code: 0, ms: 0 };
  for (const part of script.split(/&&|&/)) {
    if (!part.trim()) continue;
    const r = one(part);
    total.out += r.out;
    total.err += r.err;
    total.code = r.code;
    if (r.code || r.exit) break;
  }
  return total;
}

/**
 * Runs `argv` inside the simulated guest. Throws AgentExecError when the program does not exist,
 * as qemu-ga does; otherwise returns what it printed, its exit code and how long it runs.
 */
export function execInGuest(guest: Guest | GuestLike, argv: string[], input: string, limit: number): ExecOutcome {
  const env: Env = { guest, limit, outTruncated: false, last: 0 };
  let r: Io;
  if (guest.os === 'windows') r = runWindows(argv, env);
  else {
    const prog = argv[0] ?? '';
    if (!KNOWN.has(baseName(prog)) || (NOT_ON_AGENT_PATH.has(prog) && !prog.includes('/'))) {
      throw new AgentExecError(`Failed to execute child process “${argv[0] ?? ''}” (No such file or directory)`);
    }
    r = runBuiltin(argv, input, env);
  }
  // `echo x >&2` writes to stderr.
  if (r.out.includes('__TO_STDERR__')) {
    const moved = r.out.split('\n').filter((l) => l.includes('__TO_STDERR__'));
    r.out = r.out
      .split('\n')
      .filter((l) => !l.includes('__TO_STDERR__'))
      .join('\n');
    r.err += moved.map((l) => l.replace(/\s*__TO_STDERR__/, '')).join('\n') + '\n';
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
