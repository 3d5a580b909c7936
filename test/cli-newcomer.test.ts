import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { SEEDED_CERT } from '../src/simulator/seeded.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'pmcp-newcomer-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The CLI with none of the caller's PROXMOX_* settings. */
function run(args: string[], extra: Record<string, string> = {}, input = '') {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PROXMOX_') && !k.startsWith('MCP_')) env[k] = v;
  const res = spawnSync(process.execPath, [cli, ...args], {
    env: { ...env, PROXMOX_LOG_LEVEL: 'warn', ...extra },
    timeout: 60_000,
    input,
    encoding: 'utf8',
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Like run(), without blocking this process (the simulator it talks to runs here). */
function runAsync(args: string[], extra: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PROXMOX_') && !k.startsWith('MCP_')) env[k] = v;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...env, PROXMOX_LOG_LEVEL: 'warn', ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A TCP server on loopback that accepts connections and never says a word. */
async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe.skipIf(!existsSync(cli))('proxmox-mcp fingerprint', () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('prints the served certificate and the exact PROXMOX_FINGERPRINT line, trusting nothing', async () => {
    const res = await runAsync(['fingerprint', sim.url]);
    expect(res.status, res.stderr).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines).toContain(`PROXMOX_FINGERPRINT=${sim.fingerprint}`);
    expect(res.stdout).toMatch(/not trusted by the system's CAs \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    expect(res.stdout).toContain('/etc/pve/local/pveproxy-ssl.pem');
    expect(res.stdout).toContain('/etc/pve/local/pve-ssl.pem');
    // The same address with an API path, as PROXMOX_URL may hold it.
    const again = await runAsync(['fingerprint', `${sim.url}/api2/json`]);
    expect(again.stdout.split('\n')).toContain(`PROXMOX_FINGERPRINT=${sim.fingerprint}`);
  });

  it('is what a refused connection points at: the same fingerprint, the same command', async () => {
    const res = await runAsync(['call', 'proxmox-api-read', '{"path":"/version"}'], {
      PROXMOX_URL: sim.url,
      PROXMOX_API_TOKEN: sim.tokens.admin,
    });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain(sim.fingerprint);
    expect(res.stdout).toContain(`proxmox-mcp fingerprint ${sim.url}`);
  });

  it('gives up within PROXMOX_TIMEOUT on a host that never answers, and refuses bad addresses cleanly', async () => {
    const silent = await silentServer();
    try {
      const res = await runAsync(['fingerprint', silent.url], { PROXMOX_TIMEOUT: '300' });
      expect(res.status).toBe(2);
      expect(res.stderr).toMatch(/^proxmox-mcp: cannot read the certificate of 127\.0\.0\.1:\d+: no TLS handshake .* within 300 ms\n$/);
    } finally {
      await silent.close();
    }
    for (const [arg, want] of [
      [undefined, /needs the node address/],
      ['http://pve.example.com:8006', /must start with https:\/\//],
      ['not a url\u0007\n', /must be a URL/],
      ['https://user:pw@pve.example.com', /must not hold credentials/],
    ] as const) {
      const res = await runAsync(arg === undefined ? ['fingerprint'] : ['fingerprint', arg]);
      expect(res.status, String(arg)).toBe(2);
      expect(res.stderr).toMatch(want);
      expect(res.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(res.stderr).not.toContain('pw@');
    }
  }, 180_000);
});

describe.skipIf(!existsSync(cli))('what a newcomer meets on the command line', () => {
  it('--demo leaves no files behind, in no shared folder', () => {
    const tmp = mkdtempSync(path.join(scratch, 'tmp-'));
    const once = run(['call', 'proxmox-api-schema', '{"query":"start a vm"}', '--demo'], { TMPDIR: tmp });
    expect(once.status, once.stderr).toBe(0);
    const served = run(['--demo'], { TMPDIR: tmp }, '');
    expect(served.status, served.stderr).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  }, 180_000);
});

/** Every PROXMOX_* and MCP_* name the sources read. */
function variablesInSources(dir = path.resolve(path.dirname(cli), '../src')): Set<string> {
  const found = new Set<string>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) variablesInSources(p).forEach((v) => found.add(v));
    else if (e.name.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/\b(?:PROXMOX|MCP)_[A-Z0-9_]+\b/g)) found.add(m[0]);
  }
  found.delete('MCP_PATH'); // a constant (the endpoint path), not a setting
  return found;
}

/** `proxmox-mcp simulator ...` until it has printed its settings; then stopped. */
function simulatorSettings(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'simulator', '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`simulator printed no settings: ${err}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => {
      err += d;
      if (err.includes('Press Ctrl+C')) {
        clearTimeout(timer);
        child.kill('SIGTERM');
        resolve(err.replace(/(127\.0\.0\.1):\d+/g, '$1:PORT'));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!err.includes('Press Ctrl+C')) reject(new Error(`simulator exited ${code}: ${err}`));
    });
  });
}

describe.skipIf(!existsSync(cli))('--help, versions and mistyped options', () => {
  it('--help names every variable the server reads', () => {
    const help = run(['--help']).stdout;
    const missing = [...variablesInSources()].filter((v) => !new RegExp(`\\b${v}\\b`).test(help));
    expect(missing).toEqual([]);
  });

  it('-V, -v and --version print the version', () => {
    const version = (JSON.parse(readFileSync(path.resolve(path.dirname(cli), '../package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['-V', '-v', '--version']) expect(run([flag])).toMatchObject({ status: 0, stdout: `${version}\n` });
  });

  it("answers a mistyped option or command with one clean line, not Node's parser text", () => {
    for (const [args, want] of [
      [['--bogus'], "unknown option '--bogus'"],
      [['-x'], "unknown option '-x'"],
      [['--port'], "option '--port' needs a value"],
      [['--demo=yes'], "option '--demo' takes no value"],
      [['--help=1'], "option '--help' takes no value"],
      [['--\u001b[31mred'], "unknown option '--?[31mred'"],
      [['frob\u0007'], "unknown command 'frob?'"],
      [['simulator', '--bogus'], "unknown option '--bogus'"],
    ] as const) {
      const res = run([...args]);
      expect(res.status, args.join(' ')).toBe(2);
      expect(res.stderr).toBe(`proxmox-mcp: ${want}; see proxmox-mcp --help\n`);
    }
  }, 180_000);
});

describe.skipIf(!existsSync(cli))('simulator --seed', () => {
  it('gives the same tokens, password and fingerprint on every start with the same seed, and others with another', async () => {
    const [a, b, c] = await Promise.all([
      simulatorSettings(['--seed', 'demo']),
      simulatorSettings(['--seed', 'demo']),
      simulatorSettings(['--seed', 'other']),
    ]);
    expect(a).toBe(b);
    const fingerprint = (t: string) => /PROXMOX_FINGERPRINT=(\S+)/.exec(t)?.[1];
    const admin = (t: string) => /admin token:\s+(\S+)/.exec(t)?.[1];
    expect(fingerprint(a)).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(admin(a)).toMatch(/^root@pam!mcp=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(admin(c)).not.toBe(admin(a));
    // Without a seed, a new certificate each start.
    const [d, e] = await Promise.all([simulatorSettings([]), simulatorSettings([])]);
    expect(fingerprint(d)).not.toBe(fingerprint(e));
  }, 180_000);

  it('serves what it prints: the seeded token works and the pinned fingerprint matches', async () => {
    const sim = await startSimulator({ quiet: true, seed: 'demo' });
    try {
      const settings = await simulatorSettings(['--seed', 'demo']);
      expect(settings).toContain(`PROXMOX_FINGERPRINT=${sim.fingerprint}`);
      expect(settings).toContain(sim.tokens.admin);
      const res = await runAsync(['call', 'proxmox-api-read', '{"path":"/version"}'], {
        PROXMOX_URL: sim.url,
        PROXMOX_API_TOKEN: sim.tokens.admin,
        PROXMOX_FINGERPRINT: sim.fingerprint,
      });
      expect(res.status, res.stdout + res.stderr).toBe(0);
    } finally {
      await sim.close();
    }
  });
});

describe.skipIf(!existsSync(cli))('start-up refuses settings that cannot work', () => {
  const dir = mkdtempSync(path.join(scratch, 'settings-'));
  const secretish = path.join(dir, 'do-not-print-this-path');
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  mkdirSync(secretish);
  const base = { PROXMOX_URL: 'https://127.0.0.1:9', PROXMOX_API_TOKEN: 'root@pam!t=00000000-0000-0000-0000-000000000000' };
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['an unknown log level', { PROXMOX_LOG_LEVEL: 'verbose' }, /^PROXMOX_LOG_LEVEL must be one of debug, info, warn, error, silent$/],
    [
      'a missing schema file',
      { PROXMOX_SCHEMA_FILE: path.join(secretish, 'apidoc.js') },
      /^PROXMOX_SCHEMA_FILE names a file that does not exist or cannot be read$/,
    ],
    ['a folder as schema file', { PROXMOX_SCHEMA_FILE: secretish }, /^PROXMOX_SCHEMA_FILE names a file/],
    [
      'a CA file that is not PEM',
      { PROXMOX_CA_FILE: file('ca.txt', 'hello, not a certificate') },
      /^PROXMOX_CA_FILE must be a PEM file of CA certificates/,
    ],
    [
      'a CA file with a damaged certificate',
      { PROXMOX_CA_FILE: file('bad.pem', '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n') },
      /^PROXMOX_CA_FILE must be a PEM file/,
    ],
    ['a CA file that is a private key', { PROXMOX_CA_FILE: file('key.pem', SEEDED_CERT.key) }, /^PROXMOX_CA_FILE must be a PEM file/],
  ];
  it.each(cases)('%s: one line naming the variable, never its value', (_, env, want) => {
    const res = run(['call', 'proxmox-api-read', '{"path":"/version"}'], {
      ...base,
      ...env,
      PROXMOX_LOG_LEVEL: env.PROXMOX_LOG_LEVEL ?? 'warn',
    });
    expect(res.status, res.stdout + res.stderr).toBe(2);
    const lines = res.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0].replace(/^proxmox-mcp: /, '')).toMatch(want);
    expect(res.stderr).not.toContain('do-not-print-this-path');
    expect(res.stdout).toBe('');
  });

  it('checks the demo too, and accepts what works', () => {
    const demo = run(['call', 'proxmox-api-read', '{"path":"/version"}', '--demo'], { PROXMOX_SCHEMA_FILE: path.join(secretish, 'x.js') });
    expect(demo.status).toBe(2);
    expect(demo.stderr).toMatch(/PROXMOX_SCHEMA_FILE( \(cluster '[^']+'\))? names a file/);
    const fine = run(['call', 'proxmox-api-read', '{"path":"/version"}', '--demo'], {
      PROXMOX_LOG_LEVEL: 'ERROR',
      PROXMOX_CA_FILE: file('ca.pem', SEEDED_CERT.cert),
    });
    expect(fine.status, fine.stdout + fine.stderr).toBe(0);
  }, 180_000);
});
