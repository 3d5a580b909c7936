/**
 * A real OpenSSH server on 127.0.0.1 for tests, with its own keys, config and a stand-in `pct` first on
 * PATH. The stand-in records every argv it gets (one file per call, arguments NUL-separated) and, for
 * `pct exec VMID -- /bin/sh -c SCRIPT`, runs `/bin/sh -c SCRIPT` itself so the inner shell is real.
 *
 * Special vmids: 105 "not running" (pct's own message), 106 "does not exist", 199 record only (the script is
 * never run, so any side effect seen afterwards came from the host shell). The simulator's containers
 * (200-205) run the script in the simulated container instead (test/exec/pct-guest.ts), so container tests
 * see the same guest content as the simulator's guest agent.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

export const SSHD_PATH = '/usr/sbin/sshd';
export const sshdAvailable = existsSync(SSHD_PATH) && existsSync('/usr/bin/ssh-keygen');
export const SKIP_REASON = `${SSHD_PATH} or ssh-keygen is missing: install openssh-server to run the SSH tests`;

export interface SshdHarness {
  dir: string;
  host: '127.0.0.1';
  port: number;
  user: string;
  /** The accepted user key. */
  clientKeyPath: string;
  /** A valid key the server does not accept. */
  strangerKeyPath: string;
  /** known_hosts holding the server's real key. */
  knownHostsPath: string;
  /** known_hosts holding a different key for the same host and port. */
  wrongKnownHostsPath: string;
  /** An empty known_hosts. */
  emptyKnownHostsPath: string;
  hostFingerprint: string;
  hostKeyLine: string;
  /** Every pct argv recorded since the last call, oldest first; clears the record. */
  takePctCalls(): string[][];
  /** The last few KiB sshd wrote to stderr (set PMCP_SSHD_LOGLEVEL=DEBUG to see more). */
  log(): string;
  close(): Promise<void>;
}

function keygen(path: string, comment: string): void {
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], { stdio: 'ignore' });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the server sends its SSH banner; bounded in attempts. */
async function waitForBanner(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.setTimeout(1000);
      sock.once('data', (d) => {
        sock.destroy();
        resolve(d.toString().startsWith('SSH-'));
      });
      sock.once('error', () => resolve(false));
      sock.once('timeout', () => {
        sock.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not come up on port ${port}: ${log()}`);
}

/** How the stand-in starts the simulated container shell: this Node with tsx, on the TypeScript source. */
const SIM_CT = `'${process.execPath}' --import '${pathToFileURL(require.resolve('tsx')).href}' '${fileURLToPath(new URL('./pct-guest.ts', import.meta.url))}'`;

const PCT_STANDIN = (callsDir: string) => `#!/bin/sh
f=$(mktemp '${callsDir}/call.XXXXXXXX') || exit 99
printf '%s\\0' "$@" > "$f"
if [ "$1" != exec ]; then echo "pct stand-in: only exec is emulated" >&2; exit 2; fi
case "$2" in
  105) echo "container '105' not running!" >&2; exit 255 ;;
  106) echo "Configuration file 'nodes/pve/lxc/106.conf' does not exist" >&2; exit 255 ;;
  199) exit 0 ;;
  200|201|202|203|204|205) [ "$3" = -- ] && [ "$4" = /bin/sh ] && [ "$5" = -c ] || { echo "pct stand-in: unexpected argv" >&2; exit 2; }; exec ${SIM_CT} "$2" "$6" ;;
esac
if [ $# -ne 6 ] || [ "$3" != -- ] || [ "$4" != /bin/sh ] || [ "$5" != -c ]; then echo "pct stand-in: unexpected argv" >&2; exit 2; fi
exec /bin/sh -c "$6"
`;

/** Writes the stand-in `pct` into `binDir`; it records calls into `callsDir`. */
export function writePctStandIn(binDir: string, callsDir: string): void {
  const pct = join(binDir, 'pct');
  writeFileSync(pct, PCT_STANDIN(callsDir));
  chmodSync(pct, 0o755);
}

/** Reads and removes the recorded pct calls, oldest first. */
export function takePctCalls(callsDir: string): string[][] {
  const files = readdirSync(callsDir)
    .map((name) => join(callsDir, name))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  return files.map((f) => {
    const raw = readFileSync(f);
    unlinkSync(f);
    const parts = raw.toString('utf8').split('\0');
    parts.pop(); // the terminator after the last argument
    return parts;
  });
}

export async function startSshd(): Promise<SshdHarness> {
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755, recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'pmcp-sshd-'));
  const bin = join(dir, 'bin');
  const calls = join(dir, 'calls');
  mkdirSync(bin);
  mkdirSync(calls);
  keygen(join(dir, 'host_ed25519'), 'test-host');
  keygen(join(dir, 'client'), 'test-client');
  keygen(join(dir, 'stranger'), 'test-stranger');
  keygen(join(dir, 'impostor_host'), 'test-impostor');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client.pub')));
  writePctStandIn(bin, calls);

  const port = await freePort();
  const user = userInfo().username;
  const hostPub = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim().split(/\s+/);
  const impostorPub = readFileSync(join(dir, 'impostor_host.pub'), 'utf8').trim().split(/\s+/);
  const hostKeyLine = `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}`;
  writeFileSync(join(dir, 'known_hosts'), `# test\n${hostKeyLine}\n`);
  writeFileSync(join(dir, 'wrong_known_hosts'), `[127.0.0.1]:${port} ${impostorPub[0]} ${impostorPub[1]}\n`);
  writeFileSync(join(dir, 'empty_known_hosts'), '');
  const hostFingerprint = execFileSync('/usr/bin/ssh-keygen', ['-lf', join(dir, 'host_ed25519.pub')], { encoding: 'utf8' }).split(/\s+/)[1];

  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${user}`,
      `SetEnv PATH=${bin}:/usr/bin:/bin`,
      'MaxStartups 50',
      `LogLevel ${process.env.PMCP_SSHD_LOGLEVEL ?? 'ERROR'}`,
      '',
    ].join('\n'),
  );

  let log = '';
  const child = spawn(SSHD_PATH, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-200000);
  });
  try {
    await waitForBanner(port, child, () => log);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  return {
    dir,
    host: '127.0.0.1',
    port,
    user,
    clientKeyPath: join(dir, 'client'),
    strangerKeyPath: join(dir, 'stranger'),
    knownHostsPath: join(dir, 'known_hosts'),
    wrongKnownHostsPath: join(dir, 'wrong_known_hosts'),
    emptyKnownHostsPath: join(dir, 'empty_known_hosts'),
    hostFingerprint,
    hostKeyLine,
    log: () => log,
    takePctCalls: () => takePctCalls(calls),
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
