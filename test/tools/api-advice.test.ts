import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cluster.js';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { apiTool } from '../../src/tools/api.js';
import type { ToolCall } from '../../src/tools/types.js';
import { simRuntime } from './sim-runtime.js';

// A call that succeeded says at once what it leaves undone: a guest put under HA whose disks only its node holds.

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

async function addToHa(sid: string): Promise<string> {
  const out = await apiTool.run(apiTool.input.parse({ path: '/cluster/ha/resources', method: 'POST', params: { sid } }), rt, noCall);
  return out.text;
}
const client = () => rt.cluster().client;

describe('putting a guest under HA', () => {
  it('says which disks only its node holds, and how to fix that, for a VM and a container', async () => {
    const config = (await client().request<Record<string, string>>({ method: 'GET', path: '/nodes/pve1/qemu/102/config' })).data;
    const disks = Object.keys(config).filter((k) => /^(scsi|efidisk|tpmstate)\d+$/.test(k) && config[k].startsWith('local-lvm:'));
    expect(disks.length).toBeGreaterThan(0);
    const vm = await addToHa('vm:102');
    for (const d of disks) expect(vm).toContain(`${d} (local-lvm)`);
    expect(vm).not.toMatch(/ide2/); // a CD-ROM is no disk to move
    expect(vm).toMatch(
      /HA cannot start VM 102 on another node if pve1 fails\. Move the disks to shared storage \(POST \/nodes\/pve1\/qemu\/102\/move_disk\)/,
    );
    // A container, named by its bare id as PVE allows.
    expect(await addToHa('ct:203')).toMatch(
      /note: CT 203's rootfs \(local-lvm\) is on storage only pve1 holds.*POST \/nodes\/pve1\/lxc\/203\/move_volume/s,
    );
  });

  it('says nothing where a replication job copies the disks, nor when what it needs cannot be read', async () => {
    const jobs = (await client().request<Array<{ id: string }>>({ method: 'GET', path: '/cluster/replication' })).data;
    const replicated = jobs[0].id.split('-')[0];
    await client().request({ method: 'DELETE', path: `/cluster/ha/resources/vm:${replicated}` });
    const text = await addToHa(`vm:${replicated}`);
    expect(text).not.toMatch(/note:/);
    expect(text).toMatch(/done/);

    sim.faults.errorOn({ method: 'GET', path: '/nodes/pve2/storage', status: 500, reason: 'busy' });
    try {
      const quiet = await addToHa('103');
      expect(quiet).not.toMatch(/note:/);
      expect(quiet).toMatch(/done/);
    } finally {
      sim.faults.reset();
    }
  });
});
