import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { apiTool } from '../../src/tools/api.js';
import { apiReadTool } from '../../src/tools/api-read.js';
import { apiSchemaTool } from '../../src/tools/api-schema.js';
import { vmCommandTool } from '../../src/tools/execute-vm-command.js';
import { callTool, recordingRuntime } from './sim-runtime.js';

describe("permission pre-check against the token's effective privileges", () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, taskDurationMs: 50 });
  });
  afterAll(async () => sim?.close());

  it('refuses what the token lacks before sending, naming the privilege and the concrete path; the node never sees it', async () => {
    const { rt, sent } = recordingRuntime(sim, { PROXMOX_CONFIRM: 'off' }, sim.tokens.readonly);
    try {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ path: '/nodes/pve1/qemu/101/status/stop', method: 'POST' }, /lacks VM\.PowerMgmt on \/vms\/101/],
        [{ path: '/nodes/pve1/qemu/100/snapshot', method: 'POST', params: { snapname: 's1' } }, /lacks VM\.Snapshot on \/vms\/100/],
        [{ path: '/nodes/pve2/config', method: 'PUT', params: { description: 'x' } }, /lacks Sys\.Modify on \/ /],
      ];
      for (const [args, why] of cases) {
        const out = await callTool(apiTool, rt, args);
        expect(out.isError).toBe(true);
        expect(out.text).toMatch(/^refused before sending: /);
        expect(out.text).toMatch(why);
        expect(out.text).toMatch(/Nothing was sent/);
      }
      const vm = await callTool(vmCommandTool, rt, { node: 'pve1', vmid: 100, command: 'id' });
      expect(vm.text).toMatch(
        /^refused before sending: POST \/nodes\/pve1\/qemu\/100\/agent\/exec: the API token lacks VM\.GuestAgent\.Unrestricted on \/vms\/100/,
      );
      expect(sent.filter((s) => s.method !== 'GET')).toEqual([]);
      // Read at most once per refusal (each refusal rests on a fresh answer), and not at all for what it may do.
      const reads = sent.filter((s) => s.path === '/access/permissions').length;
      expect(reads).toBeGreaterThanOrEqual(1);
      expect(reads).toBeLessThanOrEqual(4);
      expect((await callTool(apiReadTool, rt, { path: '/nodes/pve1/qemu/100/status/current' })).isError).toBeFalsy();
      expect(sent.filter((s) => s.path === '/access/permissions')).toHaveLength(reads);
    } finally {
      rt.close();
    }
  });

  it('lets the node decide when the privileges cannot be read', async () => {
    sim.faults.errorOn({ method: 'GET', path: '/access/permissions', status: 403, reason: 'Permission check failed', times: 1 });
    const { rt, sent } = recordingRuntime(sim, { PROXMOX_CONFIRM: 'off' }, sim.tokens.readonly);
    try {
      const out = await callTool(apiTool, rt, { path: '/nodes/pve1/qemu/101/status/stop', method: 'POST' });
      expect(out.text).toMatch(/403/);
      expect(out.text).not.toMatch(/refused before sending/);
      expect(sent.filter((s) => s.method === 'POST')).toHaveLength(1);
    } finally {
      rt.close();
      sim.faults.reset();
    }
  });

  it('a privilege granted a moment ago counts: the refusal is checked against a fresh answer', async () => {
    const { rt: admin } = recordingRuntime(sim, { PROXMOX_CONFIRM: 'off' });
    const { rt, sent } = recordingRuntime(sim, { PROXMOX_CONFIRM: 'off' }, sim.tokens.readonly);
    try {
      expect(
        (await callTool(apiTool, rt, { path: '/nodes/pve1/qemu/100/snapshot', method: 'POST', params: { snapname: 'g1' } })).text,
      ).toMatch(/lacks VM\.Snapshot/);
      // A privilege-separated token gets what both it and its user are granted.
      const grant = await callTool(apiTool, admin, {
        path: '/access/acl',
        method: 'PUT',
        params: { path: '/vms/100', roles: 'PVEVMAdmin', users: 'auditor@pve', tokens: 'auditor@pve!ro' },
      });
      expect(grant.isError, grant.text).toBeFalsy();
      const again = await callTool(apiTool, rt, { path: '/nodes/pve1/qemu/100/snapshot', method: 'POST', params: { snapname: 'g1' } });
      expect(again.text).not.toMatch(/refused before sending/);
      expect(sent.filter((s) => s.method === 'POST')).toHaveLength(1);
    } finally {
      await callTool(apiTool, admin, {
        path: '/access/acl',
        method: 'PUT',
        params: { path: '/vms/100', roles: 'PVEVMAdmin', users: 'auditor@pve', tokens: 'auditor@pve!ro', delete: 1 },
      });
      rt.close();
      admin.close();
    }
  });

  it('an admin token is not held back', async () => {
    const { rt, sent } = recordingRuntime(sim, { PROXMOX_CONFIRM: 'off' });
    try {
      const out = await callTool(apiTool, rt, { path: '/nodes/pve1/qemu/100/snapshot', method: 'POST', params: { snapname: 'adm' } });
      expect(out.text).toMatch(/task finished: OK/);
      expect(sent.filter((s) => s.method === 'POST')).toHaveLength(1);
    } finally {
      rt.close();
    }
  });

  it('discovery marks what the token cannot call', async () => {
    const { rt } = recordingRuntime(sim, {}, sim.tokens.readonly);
    const { rt: admin } = recordingRuntime(sim);
    try {
      const detail = await callTool(apiSchemaTool, rt, { path: '/nodes/{node}/qemu/{vmid}/snapshot', method: 'POST' });
      expect(detail.text).toMatch(/REFUSED here: the API token lacks VM\.Snapshot on \/vms\/\{vmid\}/);
      // Checked in code, not in the schema: not marked, the node decides.
      expect((await callTool(apiSchemaTool, rt, { path: '/nodes/{node}/qemu', method: 'POST' })).text).not.toMatch(/REFUSED/);
      const list = await callTool(apiSchemaTool, rt, { query: 'stop a virtual machine' });
      expect(list.text).toMatch(/POST \/nodes\/\{node\}\/qemu\/\{vmid\}\/status\/stop\s+\[refused\]/);
      expect(list.text).not.toMatch(/GET \S+\s+\[refused\]/);
      const adminList = await callTool(apiSchemaTool, admin, { query: 'stop a virtual machine' });
      expect(adminList.text).not.toMatch(/\[refused\]/);
    } finally {
      rt.close();
      admin.close();
    }
  });
});
