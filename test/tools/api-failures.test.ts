import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cluster.js';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { apiTool } from '../../src/tools/api.js';
import { apiReadTool } from '../../src/tools/api-read.js';
import { ToolError, type ToolCall } from '../../src/tools/types.js';
import { simRuntime } from './sim-runtime.js';

// A refusal in Proxmox's words, then the next step: where the guest is, where names are listed, what is missing.

const noCall: ToolCall = { signal: new AbortController().signal, progress: async () => {} };

let sim: SimulatorHandle;
let rt: Runtime;

beforeAll(async () => {
  sim = await startSimulator({ quiet: true, taskDurationMs: 30 });
  rt = simRuntime(sim);
});
afterAll(async () => {
  rt.close();
  await sim.close();
});

/** What the model reads when the call fails. */
async function refusal(tool: typeof apiTool | typeof apiReadTool, args: Record<string, unknown>): Promise<string> {
  try {
    await tool.run(tool.input.parse(args) as never, rt, noCall);
  } catch (err) {
    if (err instanceof ToolError) return err.message;
    return (err as { describe?: () => string }).describe?.() ?? String(err);
  }
  throw new Error('expected the call to fail');
}
const read = (p: string) => refusal(apiReadTool, { path: p });

/** A destructive call where the user would be asked: its preview (with a confirm token), or its refusal before that. */
let asking: Runtime;
beforeAll(() => {
  asking = simRuntime(sim, { PROXMOX_CONFIRM: 'param' });
});
afterAll(() => asking.close());
async function attempt(args: Record<string, unknown>): Promise<ToolError> {
  try {
    await apiTool.run(apiTool.input.parse(args), asking, noCall);
  } catch (err) {
    return err as ToolError;
  }
  throw new Error('expected no answer without a confirmation');
}

describe('a guest asked for on the wrong node', () => {
  it('names the node it is on and the same path there, for reads and writes', async () => {
    const said = await read('/nodes/pve2/qemu/100/config');
    expect(said).toMatch(/^Proxmox answered 500 Configuration file 'nodes\/pve2\/qemu-server\/100\.conf' does not exist/);
    expect(said).toMatch(/VM 100 is on pve1, not pve2: repeat with path=\/nodes\/pve1\/qemu\/100\/config$/);
    const start = await refusal(apiTool, { path: '/nodes/pve3/lxc/200/status/start', method: 'POST' });
    expect(start).toMatch(/Container 200 is on pve1, not pve3: repeat with path=\/nodes\/pve1\/lxc\/200\/status\/start$/);
  });

  it('says when the guest is of the other kind, or in no node at all', async () => {
    expect(await read('/nodes/pve1/lxc/100/config')).toMatch(/VM 100 is a VM \(qemu\) on pve1, not a container: use its \/qemu\/ paths/);
    expect(await read('/nodes/pve1/qemu/4242/config')).toMatch(/There is no guest 4242 in this cluster/);
  });

  it('falls back to where to look when the resource list cannot be read', async () => {
    sim.faults.errorOn({ method: 'GET', path: '/cluster/resources', status: 500, reason: 'busy' });
    try {
      expect(await read('/nodes/pve2/qemu/100/config')).toMatch(
        /There is no guest 100 of this kind on pve2\. Find its node with proxmox-api-read path=\/cluster\/resources/,
      );
    } finally {
      sim.faults.reset();
    }
  });
});

describe('a guest named by vmid alone, without its node', () => {
  it('says which node holds it and the path to repeat the call with', async () => {
    expect(await refusal(apiTool, { path: '/nodes/{node}/qemu/{vmid}/status/stop', pathParams: { vmid: 100 } })).toMatch(
      /missing path parameter node for \/nodes\/\{node\}\/qemu\/\{vmid\}\/status\/stop: put them in the path or in pathParams\nVM 100 is on pve1: repeat with path=\/nodes\/pve1\/qemu\/100\/status\/stop$/,
    );
    expect(await refusal(apiReadTool, { path: '/nodes/{node}/lxc/{vmid}/config', pathParams: { vmid: '200' } })).toMatch(
      /CT 200 is on pve1: repeat with path=\/nodes\/pve1\/lxc\/200\/config$/,
    );
  });

  it('adds nothing when the guest is of the other kind, unknown, or the list cannot be read', async () => {
    for (const [path, vmid] of [
      ['/nodes/{node}/qemu/{vmid}/config', 200],
      ['/nodes/{node}/qemu/{vmid}/config', 99999],
    ] as const) {
      expect(await refusal(apiReadTool, { path, pathParams: { vmid } })).toMatch(/put them in the path or in pathParams$/);
    }
    sim.faults.errorOn({ method: 'GET', path: '/cluster/resources', status: 500, reason: 'busy' });
    try {
      expect(await refusal(apiReadTool, { path: '/nodes/{node}/qemu/{vmid}/config', pathParams: { vmid: 100 } })).toMatch(
        /put them in the path or in pathParams$/,
      );
    } finally {
      sim.faults.reset();
    }
  });
});

describe('a name that does not exist', () => {
  it('points at the list of the names that do', async () => {
    expect(await refusal(apiTool, { path: '/access/users/test@pve', method: 'PUT', params: { enable: 0 } })).toMatch(
      /no such user.*\nThe names that exist: proxmox-api-read path=\/access\/users$/,
    );
    expect(await read('/nodes/pve1/storage/nosuch/status')).toMatch(/\nThe names that exist: proxmox-api-read path=\/storage$/);
  });

  it('leaves a refusal it has no step for as Proxmox said it', async () => {
    try {
      sim.faults.errorOn({ method: 'GET', path: '/nodes/pve1/status', status: 500, reason: 'got timeout' });
      expect(await read('/nodes/pve1/status')).toBe('Proxmox answered 500 got timeout');
    } finally {
      sim.faults.reset();
    }
  });
});

describe('a create or restore whose id is taken', () => {
  it('says how to restore over the guest, or to take a free id', async () => {
    expect(
      await refusal(apiTool, {
        path: '/nodes/pve1/lxc',
        method: 'POST',
        params: { vmid: 200, ostemplate: 'backup-nfs:backup/x.tar.zst', restore: 1 },
      }),
    ).toMatch(/CT 200 already exists on node 'pve1'\nTo restore over CT 200, add force=1 on its node pve1 \(stopped first/);
    expect(
      await refusal(apiTool, {
        path: '/nodes/pve1/lxc',
        method: 'POST',
        params: { vmid: 200, ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst' },
      }),
    ).toMatch(/CT 200 already exists on node 'pve1'\nTake a free id: proxmox-api-read path=\/cluster\/nextid$/);
  });
});

describe('a node without a wake-on-LAN address', () => {
  it('names the setting to make, on that node', async () => {
    expect(await refusal(apiTool, { path: '/nodes/pve3/wakeonlan', method: 'POST' })).toMatch(
      /No wake on LAN MAC address defined for 'pve3'.*\nSet its wake-on-LAN address first: PUT \/nodes\/pve3\/config with wakeonlan=mac=/s,
    );
  });
});

describe('a destructive call on a guest that is not where the path says', () => {
  it('is refused before the user is asked, with where the guest is; asked as usual when it is there', async () => {
    try {
      const wrong = await attempt({ path: '/nodes/pve3/lxc/200/status/stop', method: 'POST' });
      expect(wrong.message).toMatch(
        /Container 200 is on pve1, not pve3: repeat with path=\/nodes\/pve1\/lxc\/200\/status\/stop\nThe POST was not sent, and the user was not asked\.$/,
      );
      expect(wrong.structured?.confirm).toBeUndefined();
      expect((await attempt({ path: '/nodes/pve1/qemu/4242', method: 'DELETE' })).message).toMatch(
        /There is no guest 4242 in this cluster/,
      );
      const right = await attempt({ path: '/nodes/pve1/lxc/200/status/stop', method: 'POST' });
      expect(typeof right.structured?.confirm).toBe('string');
      // When the resource list cannot be read, the user is asked and the node decides.
      sim.faults.errorOn({ method: 'GET', path: '/cluster/resources', status: 500, reason: 'busy' });
      expect(typeof (await attempt({ path: '/nodes/pve3/lxc/200/status/stop', method: 'POST' })).structured?.confirm).toBe('string');
    } finally {
      sim.faults.reset();
    }
  });
});

describe('a DELETE of something that does not exist', () => {
  it('is refused before the user is asked, with where the names that exist are; asked as usual when it exists', async () => {
    try {
      const pool = await attempt({ path: '/pools/archive', method: 'DELETE' });
      expect(pool.message).toBe(
        "DELETE /pools/archive: there is nothing to delete: Proxmox answered 500 pool 'archive' does not exist\nThe names that exist: proxmox-api-read path=/pools\nThe DELETE was not sent, and the user was not asked.",
      );
      expect(pool.structured?.confirm).toBeUndefined();
      expect((await attempt({ path: '/access/users/ghost@pve', method: 'DELETE' })).message).toMatch(
        /no such user.*\nThe names that exist: proxmox-api-read path=\/access\/users\n/,
      );
      expect(typeof (await attempt({ path: '/pools/lab', method: 'DELETE' })).structured?.confirm).toBe('string');
      // Inside a guest: its snapshots are listed beside the one that is not there.
      expect((await attempt({ path: '/nodes/pve1/qemu/100/snapshot/pre-upgrade', method: 'DELETE' })).message).toMatch(
        /snapshot 'pre-upgrade' does not exist\nThe names that exist: proxmox-api-read path=\/nodes\/pve1\/qemu\/100\/snapshot\nThe DELETE was not sent, and the user was not asked\.$/,
      );
      // A read that fails for another reason cannot tell: the user is asked and the node decides.
      sim.faults.errorOn({ method: 'GET', path: '/pools/archive', status: 500, reason: 'got timeout' });
      expect(typeof (await attempt({ path: '/pools/archive', method: 'DELETE' })).structured?.confirm).toBe('string');
    } finally {
      sim.faults.reset();
    }
  });
});
