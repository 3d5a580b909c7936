import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiToken } from '../../src/config/values.js';
import { HttpProxmoxClient, type ApiRequest, type ProxmoxClient } from '../../src/proxmox/client.js';
import type { Catalog } from '../../src/schema/catalog.js';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { vmCommandTool } from '../../src/tools/execute-vm-command.js';
import { ToolError, type ToolEnv } from '../../src/tools/types.js';
import { clusterConfig, makeCall, makeEnv, sshConfig } from '../exec/fake-env.js';

// Seeded guests: 100 web01 (pve1, debian, agent up), 102 Windows (pve1), 103 agent down (pve2),
// 104 no agent configured (pve2), 105 stopped (pve2).
describe('proxmox-execute-vm-command against the simulator', () => {
  let sim: SimulatorHandle;
  let env: ToolEnv;
  let readonlyEnv: ToolEnv;
  const clients: HttpProxmoxClient[] = [];
  const client = (token: string) => {
    const c = new HttpProxmoxClient({
      url: sim.url,
      credentials: parseApiToken(token),
      tls: { fingerprint: sim.fingerprint },
      timeoutMs: 5000,
    });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, agentOutputLimit: 4096 });
    env = makeEnv(clusterConfig({ url: sim.url }), client(sim.tokens.admin));
    readonlyEnv = makeEnv(clusterConfig({ url: sim.url }), client(sim.tokens.readonly));
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await sim?.close();
  });

  const run = (args: Record<string, unknown>, e: ToolEnv = env, signal?: AbortSignal) =>
    vmCommandTool.run(vmCommandTool.input.parse({ node: 'pve1', vmid: 100, ...args }), e, makeCall(signal));
  async function runError(args: Record<string, unknown>, e: ToolEnv = env): Promise<string> {
    try {
      await run(args, e);
    } catch (err) {
      expect(err).toBeInstanceOf(ToolError);
      return (err as Error).message;
    }
    throw new Error('expected a ToolError');
  }

  it('runs a command line split like a shell would, without a shell', async () => {
    const out = await run({ command: `echo "two  spaces" 'it''s' a\\ b` });
    expect(out.structured).toMatchObject({
      exitCode: 0,
      stdout: 'two  spaces its a b\n',
      stderr: '',
      node: 'pve1',
      vmid: 100,
      exited: true,
    });
    expect(out.text).toMatch(/^VM 100 on pve1: exit 0/);
  });

  it('returns stderr and exit codes', async () => {
    expect((await run({ command: 'ls /nonexistent' })).structured).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('No such file'),
    });
    expect((await run({ command: 'false' })).structured).toMatchObject({ exitCode: 1 });
  });

  it("points a program that is not on the agent's PATH to a full path or shell: true", async () => {
    const msg = await runError({ command: 'systemctl status nginx' });
    expect(msg).toMatch(/Failed to execute child process/);
    expect(msg).toMatch(/full path \(e\.g\. \/usr\/bin\/systemctl.*pass shell: true/);
    const viaShell = await run({ command: 'nosuchprog --x', shell: true });
    expect(viaShell.structured).toMatchObject({ exitCode: 127 });
    expect(viaShell.text).toMatch(/nosuchprog is not on the guest's PATH/);
  });

  it('uses args as given, command being the program', async () => {
    const out = await run({ command: 'echo', args: ['$HOME', 'a;b', '*'] });
    expect(out.structured?.stdout).toBe('$HOME a;b *\n');
  });

  it('refuses shell syntax without shell: true, and runs it with', async () => {
    for (const command of ['echo a | wc -l', 'echo $HOME', 'ls *', 'echo a > /tmp/x', 'true && false', 'echo # c']) {
      expect(await runError({ command })).toMatch(/shell: true/);
    }
    const out = await run({ command: 'echo a && echo b', shell: true });
    expect(out.structured).toMatchObject({ exitCode: 0, stdout: 'a\nb\n' });
  });

  it('runs cmd.exe /c in a Windows guest', async () => {
    const out = await run({ vmid: 102, command: 'echo hi && hostname', shell: true });
    expect(out.structured).toMatchObject({ exitCode: 0 });
    expect(String(out.structured?.stdout)).toMatch(/^hi\r\n[A-Z0-9-]+\r\n$/);
  });

  it('passes input as stdin and refuses more than 64 KiB', async () => {
    expect((await run({ command: 'cat', input: 'from stdin\n' })).structured?.stdout).toBe('from stdin\n');
    expect(await runError({ command: 'cat', input: 'x'.repeat(65_537) })).toMatch(/at most 65536/);
  });

  it('reports output the agent truncated', async () => {
    const out = await run({ command: 'yes' });
    expect(out.structured).toMatchObject({ stdoutTruncated: true, truncationKeeps: 'head' });
    expect(out.text).toContain('truncated: only the first part is shown');
  });

  it('on timeout returns the pid and how to poll it', async () => {
    const out = await run({ command: 'sleep 5', timeoutMs: 500 });
    const pid = out.structured?.pid;
    expect(out.structured).toMatchObject({ timedOut: true, exited: false, exitCode: null });
    expect(typeof pid).toBe('number');
    expect(out.isError).toBe(true);
    expect(out.text).toContain(`GET /nodes/pve1/qemu/100/agent/exec-status with pid=${pid}`);
  });

  it('stops polling when the call is cancelled', async () => {
    const ac = new AbortController();
    const pending = run({ command: 'sleep 5', timeoutMs: 60_000 }, env, ac.signal);
    setTimeout(() => ac.abort(), 200);
    const out = await pending;
    expect(out.structured).toMatchObject({ cancelled: true, exited: false, timedOut: false });
  });

  it('finds the node when none is given', async () => {
    const out = await vmCommandTool.run(vmCommandTool.input.parse({ vmid: 108, command: 'hostname' }), env, makeCall());
    expect(out.structured).toMatchObject({ node: 'pve3', exitCode: 0 });
  });

  it('points a container to the container tool, or says why that tool is not offered', async () => {
    // This cluster has no SSH set up: the container tool is not offered, and the answer says so.
    expect(await runError({ node: undefined, vmid: 200, command: 'df -h' })).toMatch(
      /200 is an LXC container\. Commands in containers run over SSH .* which this server does not offer: SSH is not configured/,
    );
    const withSsh = makeEnv(
      clusterConfig({ url: sim.url, ssh: sshConfig({ agentSocket: '/run/agent.sock', hostFingerprint: 'SHA256:' + 'A'.repeat(43) }) }),
      client(sim.tokens.admin),
    );
    expect(await runError({ node: undefined, vmid: 200, command: 'df -h' }, withSsh)).toBe(
      '200 is an LXC container: use proxmox-execute-container-command',
    );
  });

  it('suggests the right node when the VM is elsewhere', async () => {
    expect(await runError({ node: 'pve1', vmid: 108, command: 'hostname' })).toMatch(/VM 108 is on node pve3, not pve1/);
  });

  it('explains agent and VM states', async () => {
    expect(await runError({ node: 'pve2', vmid: 103, command: 'hostname' })).toMatch(
      /QEMU guest agent is not running[\s\S]*install and start qemu-guest-agent/,
    );
    expect(await runError({ node: 'pve2', vmid: 104, command: 'hostname' })).toMatch(/No QEMU guest agent configured[\s\S]*agent=1/);
    expect(await runError({ node: 'pve2', vmid: 105, command: 'hostname' })).toMatch(/VM 105 not running[\s\S]*status\/start/);
  });

  it("passes PVE's permission message through", async () => {
    expect(await runError({ command: 'hostname' }, readonlyEnv)).toMatch(/403[\s\S]*VM\.GuestAgent\.Unrestricted/);
  });

  it('refuses NUL bytes, which no command line can carry, and never echoes a huge node name', async () => {
    expect(await runError({ node: 'pve1', vmid: 100, command: 'echo a\u0000b' })).toMatch(/NUL byte/);
    expect(await runError({ node: 'pve1', vmid: 100, command: 'echo', args: ['a\u0000b'] })).toMatch(/NUL byte/);
    expect((await runError({ node: 'x'.repeat(50_000), vmid: 100, command: 'hostname' })).length).toBeLessThan(500);
  });

  it('validates node and vmid before any request', async () => {
    expect(await runError({ node: 'pve1;reboot', command: 'hostname' })).toMatch(/invalid node name/);
    expect(await runError({ vmid: '100/../../access', command: 'hostname' })).toMatch(/invalid vmid/);
  });

  it('sends command as one string where the schema says so (PVE 7.4)', async () => {
    const seen: unknown[] = [];
    const base = env.cluster();
    const spy: ProxmoxClient = {
      baseUrl: base.client.baseUrl,
      request<T>(req: ApiRequest) {
        if (req.path.endsWith('/agent/exec')) seen.push(req.params?.command);
        return base.client.request<T>(req);
      },
      fetchText: (path, opts) => base.client.fetchText(path, opts),
      close: () => {},
    };
    const catalog = { get: () => ({ params: [{ name: 'command', type: 'string' }] }) } as unknown as Catalog;
    const env74: ToolEnv = {
      config: env.config,
      audit: env.audit,
      cluster: () => ({ ...base, client: spy, catalog: async () => catalog }),
    };
    await vmCommandTool
      .run(vmCommandTool.input.parse({ node: 'pve1', vmid: 100, command: 'echo', args: ["it's"] }), env74, makeCall())
      .catch(() => undefined);
    expect(seen).toEqual([`'echo' 'it'\\''s'`]);
  });
});
