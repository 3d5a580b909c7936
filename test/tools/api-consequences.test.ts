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

describe("a node's shutdown or reboot", () => {
  it('says which it is and names every guest running on that node', async () => {
    const rows = (
      await rt
        .cluster()
        .client.request<Array<Record<string, unknown>>>({ method: 'GET', path: '/cluster/resources', params: { type: 'vm' } })
    ).data;
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

    expect(await preview({ path: '/nodes/pve2/status', method: 'POST', params: { command: 'reboot' } })).toMatch(
      /This reboots the node, taking the guests running on it down until it is back\.\nRunning on pve2 now/,
    );
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
