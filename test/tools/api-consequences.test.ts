import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cluster.js';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { apiTool } from '../../src/tools/api.js';
import { ToolError, type ToolCall } from '../../src/tools/types.js';
import { simRuntime } from './sim-runtime.js';

// A preview says what the call takes with it: a node's shutdown or reboot names the guests running on it.

const noCall: ToolCall = { signal: new AbortController().signal, progress: async () => {} };

let sim: SimulatorHandle;
let rt: Runtime;

beforeAll(async () => {
  sim = await startSimulator({ quiet: true, taskDurationMs: 30 });
  rt = simRuntime(sim, { PROXMOX_CONFIRM: 'param' });
});
afterAll(async () => {
  rt.close();
  await sim.close();
});

async function preview(args: Record<string, unknown>): Promise<string> {
  try {
    await apiTool.run(apiTool.input.parse(args), rt, noCall);
  } catch (err) {
    if (err instanceof ToolError && typeof err.structured?.confirm === 'string') return err.message;
    throw err;
  }
  throw new Error('expected a preview');
}

/** Every guest's row in /cluster/resources, as the node answers it. */
async function allGuests(): Promise<Array<Record<string, unknown>>> {
  const { data } = await rt
    .cluster()
    .client.request<Array<Record<string, unknown>>>({ method: 'GET', path: '/cluster/resources', params: { type: 'vm' } });
  return data;
}
const guestsOf = async (node: string) => (await allGuests()).filter((g) => g.node === node);

describe("a node's shutdown or reboot", () => {
  it('says which it is and names every guest running on that node', async () => {
    const rows = await allGuests();
    const running = rows.filter((g) => g.node === 'pve2' && g.status === 'running').map((g) => String(g.vmid));
    expect(running.length).toBeGreaterThan(0);

    const off = await preview({ path: '/nodes/pve2/status', method: 'POST', params: { command: 'shutdown' } });
    expect(off).toMatch(/This shuts the node down, and the guests running on it with it\./);
    const line = /^Running on pve2 now \((\d+)\): (.*)\.$/m.exec(off);
    expect(line?.[1]).toBe(String(running.length));
    for (const vmid of running) expect(line?.[2]).toMatch(new RegExp(`\\b(VM|CT) ${vmid}\\b`));
    // Only what runs there: a guest of another node is not named.
    const elsewhere = rows.find((g) => g.node !== 'pve2' && g.status === 'running');
    expect(line?.[2]).not.toMatch(new RegExp(`\\b(VM|CT) ${String(elsewhere?.vmid)}\\b`));

    expect(off).toMatch(
      /Once off, pve2 comes back only by wake-on-LAN \(POST \/nodes\/pve2\/wakeonlan, if its MAC is set\), its IPMI or its power button\./,
    );
    const reboot = await preview({ path: '/nodes/pve2/status', method: 'POST', params: { command: 'reboot' } });
    expect(reboot).toMatch(/This reboots the node, taking the guests running on it down until it is back\.\nRunning on pve2 now/);
    expect(reboot).toMatch(/Guests without HA start again after the reboot only where their onboot option is set\./);
    expect(reboot).not.toMatch(/wake-on-LAN/);
  });

  it('says when the guests could not be listed, and still asks', async () => {
    sim.faults.errorOn({ method: 'GET', path: '/cluster/resources', status: 500, reason: 'busy' });
    try {
      expect(await preview({ path: '/nodes/pve3/status', method: 'POST', params: { command: 'shutdown' } })).toMatch(
        /The guests running on pve3 could not be listed \(GET \/cluster\/resources\): check them before you agree\./,
      );
    } finally {
      sim.faults.reset();
    }
  });
});

const label = (g: Record<string, unknown>) => `${g.type === 'lxc' ? 'CT' : 'VM'} ${String(g.vmid)}`;
/** The guests a preview line names, as `VM 103`, `CT 201`. */
const namedIn = (line: string | undefined) => [...(line ?? '').matchAll(/\b(VM|CT) (\d+)\b/g)].map((m) => `${m[1]} ${m[2]}`).sort();

describe("the actions on all of a node's guests", () => {
  it('stopall names the running guests it shuts down, only those in vms when given, and when a stop turns hard', async () => {
    const running = (await guestsOf('pve2')).filter((g) => g.status === 'running');
    const [first, second] = running;
    const all = await preview({ path: '/nodes/pve2/stopall', method: 'POST' });
    expect(all).toMatch(/This shuts down every guest on the node, VMs and containers\./);
    expect(namedIn(/^Shut down by this \(\d+\): (.*)$/m.exec(all)?.[1])).toEqual(running.map(label).sort());
    expect(all).toMatch(/Each is stopped hard if it is still running after 180 s/);

    const some = await preview({
      path: '/nodes/pve2/stopall',
      method: 'POST',
      params: { vms: `${String(first.vmid)}, ${String(second.vmid)};99999`, timeout: 60, 'force-stop': 0 },
    });
    expect(some).toMatch(/This shuts down the guests listed in vms\./);
    expect(namedIn(/^Shut down by this \(2\): (.*)$/m.exec(some)?.[1])).toEqual([label(first), label(second)].sort());
    expect(some).toMatch(/Not on pve2, so left alone: 99999\./);
    expect(some).toMatch(/One still running after 60 s is left running \(force-stop=0\)\./);
  });

  it('suspendall names only running VMs, and migrateall every guest of the node with its target', async () => {
    const guests = await guestsOf('pve2');
    const suspended = await preview({ path: '/nodes/pve2/suspendall', method: 'POST' });
    expect(namedIn(/^Suspended by this \(\d+\): (.*)$/m.exec(suspended)?.[1])).toEqual(
      guests
        .filter((g) => g.status === 'running' && g.type === 'qemu')
        .map(label)
        .sort(),
    );
    const migrated = await preview({ path: '/nodes/pve2/migrateall', method: 'POST', params: { target: 'pve3' } });
    expect(namedIn(/^Migrated to pve3 by this \(\d+\): (.*)$/m.exec(migrated)?.[1])).toEqual(guests.map(label).sort());
    expect(guests.some((g) => g.status !== 'running')).toBe(true);
  });

  it('says when none is acted on, and when the guests could not be listed', async () => {
    const ct = (await guestsOf('pve2')).find((g) => g.type === 'lxc');
    expect(await preview({ path: '/nodes/pve2/suspendall', method: 'POST', params: { vms: String(ct?.vmid) } })).toMatch(
      /No guest on pve2 is acted on \(of those in vms\): this changes nothing\./,
    );
    sim.faults.errorOn({ method: 'GET', path: '/cluster/resources', status: 500, reason: 'busy' });
    try {
      expect(await preview({ path: '/nodes/pve2/stopall', method: 'POST' })).toMatch(
        /The guests on pve2 could not be listed \(GET \/cluster\/resources\): check them before you agree\./,
      );
    } finally {
      sim.faults.reset();
    }
  });
});

describe("a guest's own destructive call", () => {
  it('names the guest, its node and state, and what HA does with a stop of a guest it manages', async () => {
    const ct = await preview({ path: '/nodes/pve1/lxc/200/status/reboot', method: 'POST' });
    expect(ct).toMatch(/This reboots the guest\.\nCT 200 dns01 on pve1, running\./);
    expect(ct).not.toMatch(/HA manages/);
    const stop = await preview({ path: '/nodes/pve1/qemu/100/status/stop', method: 'POST' });
    expect(stop).toMatch(
      /VM 100 web01 on pve1, running\.\nHA manages this VM: PVE hands the stop to HA, which sets its HA state to stopped/,
    );
    expect(await preview({ path: '/nodes/pve1/qemu/101/status/reboot', method: 'POST' })).toMatch(
      /HA manages this VM \(HA state started\)\./,
    );
  });

  it('reads the guest list once for the checks and the preview, and shows no control character of a name', async () => {
    // One failed read: the preview does not read again, and so names no guest.
    sim.faults.errorOn({ method: 'GET', path: '/cluster/resources', status: 500, reason: 'busy', times: 1 });
    try {
      expect(await preview({ path: '/nodes/pve1/lxc/200/status/reboot', method: 'POST' })).not.toMatch(/CT 200/);
    } finally {
      sim.faults.reset();
    }
    const guest = sim.state.cluster.guests.get(203);
    const before = guest?.config.hostname;
    if (guest) guest.config.hostname = 'pi\u001b[2Jhole\u202e';
    try {
      const text = await preview({ path: '/nodes/pve1/lxc/203/status/stop', method: 'POST' });
      // Shown as the preview shows anything invisible (output/visible.ts), never as the characters themselves.
      expect(text).toMatch(/CT 203 pi⟨U\+001B⟩\[2Jhole⟨U\+202E⟩ on pve1/);
      expect(text).not.toMatch(/[\u001b\u202e]/);
    } finally {
      if (guest && before !== undefined) guest.config.hostname = before;
    }
  });
});

describe('HA-managed guests on a node that goes down', () => {
  const options = () => sim.state.cluster.datacenterOptions;
  const shutdown = (command = 'shutdown') => preview({ path: '/nodes/pve1/status', method: 'POST', params: { command } });
  afterAll(() => void delete options().ha);

  it('are marked, and the preview says what the datacenter shutdown policy does with them', async () => {
    const rows = await allGuests();
    const ha = rows.filter((g) => g.node === 'pve1' && g.status === 'running' && typeof g.hastate === 'string').map((g) => String(g.vmid));
    const plain = rows.filter((g) => g.node === 'pve1' && g.status === 'running' && g.hastate === undefined).map((g) => String(g.vmid));
    expect(ha.length).toBeGreaterThan(0);
    expect(plain.length).toBeGreaterThan(0);

    // Unset: PVE's default, conditional, which tells a shutdown from a reboot.
    delete options().ha;
    const off = await shutdown();
    for (const vmid of ha) expect(off).toMatch(new RegExp(`\\bVM ${vmid}\\b[^,]* \\(HA\\)`));
    for (const vmid of plain) expect(off).not.toMatch(new RegExp(`\\b(VM|CT) ${vmid}\\b[^,]* \\(HA\\)`));
    expect(off).toContain(`HA manages ${ha.length} of them (shutdown_policy=conditional): on a shutdown HA recovers`);
    expect(await shutdown('reboot')).toMatch(
      /\(shutdown_policy=conditional\): on a reboot HA freezes them on pve1, to start again when pve1 is back\./,
    );

    const fates: Record<string, RegExp> = {
      migrate: /HA first migrates them to other nodes/,
      freeze: /HA stops them and leaves them on pve1, frozen/,
      failover: /HA stops them and recovers them on other nodes if pve1 is not back within about a minute/,
    };
    for (const [policy, fate] of Object.entries(fates)) {
      options().ha = `shutdown_policy=${policy}`;
      const text = await shutdown();
      expect(text).toContain(`(shutdown_policy=${policy})`);
      expect(text).toMatch(fate);
    }
  });

  it('are still named when the policy cannot be read or is one it does not know, and the user is still asked', async () => {
    sim.faults.errorOn({ method: 'GET', path: '/cluster/options', status: 500, reason: 'busy' });
    try {
      expect(await shutdown()).toMatch(
        /HA manages \d+ of them; what it does with them depends on the datacenter's HA shutdown_policy, which could not be read \(GET \/cluster\/options\)\./,
      );
    } finally {
      sim.faults.reset();
    }
    options().ha = 'shutdown_policy=teleport\u001b[2J,other=1';
    const text = await shutdown();
    expect(text).toMatch(/under a shutdown_policy this server does not know \("teleport\\u001b\[2J"\): check what it does with them/);
    expect(text).not.toContain('\u001b');
  });
});

describe('with confirmation off', () => {
  it('reads nothing for a preview no one will see', async () => {
    const unasked = simRuntime(sim, { PROXMOX_CONFIRM: 'off' });
    // Left in place only if the call does not read the guest list.
    sim.faults.errorOn({ method: 'GET', path: '/cluster/resources', status: 500, reason: 'still here', times: 1 });
    try {
      await apiTool.run(
        apiTool.input.parse({ path: '/nodes/pve3/status', method: 'POST', params: { command: 'reboot' } }),
        unasked,
        noCall,
      );
      const left = await unasked
        .cluster()
        .client.request({ method: 'GET', path: '/cluster/resources' })
        .then(
          () => 'read',
          (err: Error) => err.message,
        );
      expect(left).toMatch(/still here/);
    } finally {
      sim.faults.reset();
      unasked.close();
    }
  });
});
