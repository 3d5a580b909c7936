import { existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshConfig } from '../../src/config/schema.js';
import { containerCommandTool } from '../../src/tools/execute-container-command.js';
import { ToolError } from '../../src/tools/types.js';
import { clusterConfig, harnessSsh, makeCall, makeEnv, TableClient } from '../exec/fake-env.js';
import { HOSTILE_COMMANDS } from '../exec/hostile-commands.js';
import { SKIP_REASON, sshdAvailable, startSshd, type SshdHarness } from '../exec/sshd-harness.js';

if (!sshdAvailable) console.warn(`skipping container command tests: ${SKIP_REASON}`);

describe.skipIf(!sshdAvailable)('proxmox-execute-container-command over a real sshd', () => {
  let h: SshdHarness;
  beforeAll(async () => {
    h = await startSshd();
  }, 20_000);
  afterAll(async () => {
    await h?.close();
  });

  const ssh = (over: Partial<SshConfig> = {}) => harnessSsh(h, over);

  async function run(args: Record<string, unknown>, over: Partial<SshConfig> = {}, client = new TableClient({})) {
    const env = makeEnv(clusterConfig({ ssh: ssh(over) }), client);
    return containerCommandTool.run(containerCommandTool.input.parse({ node: 'pve1', vmid: 100, ...args }), env, makeCall());
  }
  async function runError(args: Record<string, unknown>, over: Partial<SshConfig> = {}, client = new TableClient({})): Promise<string> {
    try {
      await run(args, over, client);
    } catch (e) {
      expect(e).toBeInstanceOf(ToolError);
      return (e as Error).message;
    }
    throw new Error('expected a ToolError');
  }

  it('passes every hostile command to pct byte-for-byte, unevaluated by the node shell', async () => {
    const marker = join(h.dir, 'pwned');
    // The whole corpus goes through real host shells in test/exec/pct-exec.test.ts; over SSH, the sharpest few.
    const corpus = [
      `$(touch ${marker}-dollar)`,
      `\`touch ${marker}-backtick\``,
      `'; touch ${marker}-quote; '`,
      `"; touch ${marker}-dquote; " > ${marker}-redirect`,
      'line one\nline two\n\n$HOME * ✓',
      HOSTILE_COMMANDS.at(-1)!,
    ];
    expect(Buffer.byteLength(corpus.at(-1)!)).toBeGreaterThanOrEqual(65535);
    h.takePctCalls();
    for (const command of corpus) {
      const out = await run({ vmid: 199, command });
      expect(out.structured?.exitCode).toBe(0);
      expect(h.takePctCalls()).toEqual([['exec', '199', '--', '/bin/sh', '-c', command]]);
    }
    for (const suffix of ['dollar', 'backtick', 'quote', 'dquote', 'redirect']) expect(existsSync(`${marker}-${suffix}`)).toBe(false);
  }, 60_000);

  it('runs the command in a real inner shell: exit code, stdout and stderr apart, multi-line scripts', async () => {
    const out = await run({ command: `x=1\nfor i in a b; do echo "$i$x"; done\necho 'it'"'"'s' >&2\nexit 7` });
    expect(out.structured).toMatchObject({ exitCode: 7, stdout: 'a1\nb1\n', stderr: "it's\n", timedOut: false, node: 'pve1', vmid: 100 });
    expect(out.isError).toBeUndefined();
    expect(out.text).toContain('exit 7');
    expect(out.text).toMatch(/--- stdout ---\na1\nb1\n--- stderr ---\nit's/);
  });

  it('says what to do when the shell in the container does not find a program', async () => {
    const out = await run({ command: 'no-such-program-here --version' });
    expect(out.structured).toMatchObject({ exitCode: 127 });
    expect(out.text).toMatch(/no-such-program-here is not on the guest's PATH.*full path/);
  });

  it('writes input to stdin and closes it; without input stdin is closed at once', async () => {
    const out = await run({ command: 'wc -l; echo done', input: 'one\ntwo\nthree\n' });
    expect(out.structured?.stdout).toBe('3\ndone\n');
    const empty = await run({ command: 'cat; echo eof' });
    expect(empty.structured?.stdout).toBe('eof\n');
  });

  it('ends the remote process at the timeout and says so', async () => {
    const pidFile = join(h.dir, 'sleeper.pid');
    rmSync(pidFile, { force: true });
    const out = await run({ command: `echo $$ > ${pidFile}; exec sleep 30`, timeoutMs: 500 });
    expect(out.structured?.timedOut).toBe(true);
    expect(out.isError).toBe(true);
    expect(out.text).toMatch(/timed out/);
    expect(out.text).toContain('longer than 500 ms');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(1);
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  }, 20_000);

  it('caps output per stream, keeping the tail', async () => {
    const out = await run({ command: `head -c 200000 /dev/zero | tr '\\0' a; echo END; echo short >&2` });
    const s = out.structured!;
    expect(s.stdoutTruncated).toBe(true);
    expect(s.stderrTruncated).toBe(false);
    expect(s.stdoutBytes).toBe(200_004);
    expect(s.truncationKeeps).toBe('tail');
    expect(String(s.stdout).endsWith('aaaaEND\n')).toBe(true);
    expect(String(s.stdout).length).toBe(64 * 1024);
    expect(s.stderr).toBe('short\n');
    expect(out.text).toContain('truncated: only the last part is shown');
  });

  it('fits the text into the answer budget', async () => {
    const env = makeEnv(clusterConfig({ ssh: ssh() }), new TableClient({}), 250);
    const out = await containerCommandTool.run(
      containerCommandTool.input.parse({ node: 'pve1', vmid: 100, command: 'seq 1 5000; echo bad >&2' }),
      env,
      makeCall(),
    );
    expect(out.text.length).toBeLessThan(1200);
    expect(out.structured).toMatchObject({ stdoutTruncated: true, stderr: 'bad\n' });
    expect(String(out.structured!.stdout).endsWith('4999\n5000\n')).toBe(true);
  });

  it("explains pct's own failures: not running, not on this node", async () => {
    expect(await runError({ vmid: 105, command: 'true' })).toMatch(
      /container 105 is not running on node pve1.*POST \/nodes\/pve1\/lxc\/105\/status\/start/s,
    );
    expect(await runError({ vmid: 106, command: 'true' })).toMatch(/container 106 does not exist on node pve1.*\/cluster\/resources/s);
  });

  it('refuses an unknown host key, saying how to trust it', async () => {
    h.takePctCalls();
    const msg = await runError({ command: 'true' }, { knownHostsPath: h.emptyKnownHostsPath });
    expect(msg).toContain('is not known');
    expect(msg).toContain(`ssh-keyscan -p ${h.port} 127.0.0.1 >> '${h.emptyKnownHostsPath}'`);
    expect(msg).toContain(`PROXMOX_SSH_HOST_FINGERPRINT=${h.hostFingerprint}`);
    expect(await runError({ command: 'true' }, { knownHostsPath: join(h.dir, 'missing') })).toContain('is not known');
    expect(h.takePctCalls()).toEqual([]);
  });

  it('refuses a changed host key loudly', async () => {
    expect(await runError({ command: 'true' }, { knownHostsPath: h.wrongKnownHostsPath })).toMatch(/HOST KEY MISMATCH.*ssh-keygen -R/s);
    expect(h.takePctCalls()).toEqual([]);
  });

  it('accepts a pinned fingerprint and refuses a wrong one', async () => {
    const ok = await run({ command: 'echo pinned' }, { knownHostsPath: h.emptyKnownHostsPath, hostFingerprint: h.hostFingerprint });
    expect(ok.structured?.stdout).toBe('pinned\n');
    const wrong = 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
    expect(await runError({ command: 'true' }, { knownHostsPath: h.emptyKnownHostsPath, hostFingerprint: wrong })).toMatch(
      /MISMATCH.*pinned/s,
    );
  });

  it('reports a key the node does not accept', async () => {
    expect(await runError({ command: 'true' }, { keyPath: h.strangerKeyPath })).toMatch(/SSH login to 127\.0\.0\.1:\d+ as .* failed/);
  });

  it('reports a refused connection', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    expect(await runError({ command: 'true' }, { port })).toMatch(/refused/);
  });

  it('says what to set when SSH is not configured', async () => {
    expect(await runError({ command: 'true' }, { keyPath: undefined, agentSocket: undefined })).toMatch(
      /PROXMOX_SSH_KEY_PATH.*SSH_AUTH_SOCK.*PROXMOX_SSH_HOSTS/s,
    );
  });

  it('rejects bad node names and vmids before any request or connection', async () => {
    const client = new TableClient({});
    h.takePctCalls();
    for (const node of ['pve1;rm -rf /', '../x', '', '-pve', 'pve-', 'a'.repeat(64), 'pve 1', 'pve1\n']) {
      expect(await runError({ node, command: 'true' }, {}, client)).toMatch(/invalid node name/);
    }
    for (const vmid of [99, 0, -1, 1.5, 1_000_000_000, '100; rm -rf /', '1e3', '0x64', '']) {
      expect(await runError({ vmid, command: 'true' }, {}, client)).toMatch(/invalid vmid/);
    }
    expect(await runError({ command: 'echo a\u0000b' }, {}, client)).toMatch(/NUL byte/);
    expect(client.requests).toEqual([]);
    expect(h.takePctCalls()).toEqual([]);
  });

  it('finds the node address in /cluster/status, never using the node name as a host', async () => {
    const client = new TableClient({
      'GET /cluster/status': [
        { type: 'cluster', name: 'lab', nodes: 2 },
        { type: 'node', name: 'pve1', ip: '127.0.0.1' },
        { type: 'node', name: 'localhost', ip: '192.0.2.1' },
      ],
    });
    const out = await run({ command: 'echo via-status' }, { hosts: {} }, client);
    expect(out.structured?.stdout).toBe('via-status\n');
    expect(await runError({ node: 'pve9', command: 'true' }, { hosts: {} }, client)).toMatch(
      /node 'pve9' is not in this cluster; its nodes are: pve1, localhost/,
    );
  });
});
