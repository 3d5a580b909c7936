import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { ProxmoxHttpError } from '../../src/proxmox/errors.js';
import { apiPath } from '../../src/proxmox/path.js';
import { isUpid, parseUpid } from '../../src/proxmox/upid.js';
import type { HttpProxmoxClient } from '../../src/proxmox/client.js';
import { clientFor, rawRequest, tokenHeader } from './helpers.js';

let sim: SimulatorHandle;
let admin: HttpProxmoxClient;
let readonly: HttpProxmoxClient;

beforeAll(async () => {
  sim = await startSimulator({ taskDurationMs: 30, agentOutputLimit: 4096 });
  admin = clientFor(sim, 'admin');
  readonly = clientFor(sim, 'readonly');
});

afterAll(async () => {
  admin.close();
  readonly.close();
  await sim.close();
});

async function get<T = any>(path: string, params?: Record<string, unknown>): Promise<T> {
  return (await admin.request<T>({ method: 'GET', path, params })).data;
}

async function post<T = any>(path: string, params?: Record<string, unknown>, method: 'POST' | 'PUT' | 'DELETE' = 'POST'): Promise<T> {
  return (await admin.request<T>({ method, path, params })).data;
}

async function failure(p: Promise<unknown>): Promise<ProxmoxHttpError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProxmoxHttpError) return e;
    throw e;
  }
  throw new Error('expected the request to fail');
}

/** Polls a task until it stops (bounded), returning its final status. */
async function waitTask(upid: string): Promise<Record<string, unknown>> {
  const node = parseUpid(upid)!.node;
  for (let i = 0; i < 200; i++) {
    const st = await get<Record<string, unknown>>(apiPath`/nodes/${node}/tasks/${upid}/status`);
    if (st.status === 'stopped') return st;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`task ${upid} did not stop`);
}

async function exec(vmid: number, node: string, command: string[], input?: string): Promise<Record<string, unknown>> {
  const { pid } = await post<{ pid: number }>(apiPath`/nodes/${node}/qemu/${vmid}/agent/exec`, { command, 'input-data': input });
  for (let i = 0; i < 200; i++) {
    const st = await get<Record<string, unknown>>(apiPath`/nodes/${node}/qemu/${vmid}/agent/exec-status`, { pid });
    if (st.exited) return st;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('command did not finish');
}

describe('wire format and auth', () => {
  it('answers with the PVE envelope and content type', async () => {
    const res = await rawRequest(sim, 'GET', '/api2/json/version', { headers: tokenHeader(sim.tokens.admin) });
    expect(res.status).toBe(200);
    expect(res.reason).toBe('OK');
    expect(res.contentType).toBe('application/json;charset=UTF-8');
    expect(res.body).toEqual({ data: { release: '9.2', version: '9.2.4', repoid: expect.any(String) } });
  });

  it('refuses requests without or with wrong credentials', async () => {
    const none = await rawRequest(sim, 'GET', '/api2/json/nodes');
    expect([none.status, none.reason]).toEqual([401, 'No ticket']);
    const wrong = await rawRequest(sim, 'GET', '/api2/json/nodes', {
      headers: tokenHeader('root@pam!mcp=00000000-0000-0000-0000-000000000000'),
    });
    expect([wrong.status, wrong.reason]).toEqual([401, 'authentication failure']);
    const badLogin = await rawRequest(sim, 'POST', '/api2/json/access/ticket', { form: { username: 'root@pam', password: 'nope' } });
    expect([badLogin.status, badLogin.reason]).toEqual([401, 'authentication failure']);
  });

  it('logs in with a ticket, needs the CSRF token for writes, and renews with the ticket', async () => {
    const login = await rawRequest(sim, 'POST', '/api2/json/access/ticket', {
      form: { username: 'root', realm: 'pam', password: sim.login.password },
    });
    expect(login.status).toBe(200);
    const { ticket, CSRFPreventionToken, username, cap, clustername } = login.body.data;
    expect(ticket).toMatch(/^PVE:root@pam:[0-9A-F]{8}::/);
    expect([username, clustername]).toEqual(['root@pam', 'simlab']);
    expect(cap.vms['VM.PowerMgmt']).toBe(1);
    const cookie = { Cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}` };
    expect((await rawRequest(sim, 'GET', '/api2/json/cluster/status', { headers: cookie })).status).toBe(200);
    const noCsrf = await rawRequest(sim, 'POST', '/api2/json/nodes/pve1/qemu/100/agent/ping', { headers: cookie, form: {} });
    expect([noCsrf.status, noCsrf.reason]).toEqual([401, 'Permission denied - invalid csrf token']);
    const withCsrf = await rawRequest(sim, 'POST', '/api2/json/nodes/pve1/qemu/100/agent/ping', {
      headers: { ...cookie, CSRFPreventionToken },
      form: {},
    });
    expect(withCsrf.body).toEqual({ data: { result: {} } });
    const renewed = await rawRequest(sim, 'POST', '/api2/json/access/ticket', { form: { username: 'root@pam', password: ticket } });
    expect(renewed.status).toBe(200);
    const forged = await rawRequest(sim, 'GET', '/api2/json/nodes', {
      headers: { Cookie: `PVEAuthCookie=${encodeURIComponent(ticket.replace(/::.*/, '::AAAA'))}` },
    });
    expect(forged.status).toBe(401);
  });

  it('lets the read-only token read but not write, naming the PVE privilege', async () => {
    expect((await readonly.request({ method: 'GET', path: '/cluster/resources' })).data).not.toHaveLength(0);
    const start = await failure(readonly.request({ method: 'POST', path: '/nodes/pve2/qemu/105/status/start' }));
    expect([start.status, start.reason]).toEqual([403, 'Permission check failed (/vms/105, VM.PowerMgmt)']);
    const execErr = await failure(
      readonly.request({ method: 'POST', path: '/nodes/pve1/qemu/100/agent/exec', params: { command: ['hostname'] } }),
    );
    expect(execErr.reason).toBe('Permission check failed (/vms/100, VM.GuestAgent.Unrestricted)');
    const snap = await failure(readonly.request({ method: 'POST', path: '/nodes/pve1/qemu/100/snapshot', params: { snapname: 'x' } }));
    expect(snap.reason).toBe('Permission check failed (/vms/100, VM.Snapshot)');
    const del = await failure(
      readonly.request({ method: 'DELETE', path: apiPath`/nodes/pve1/storage/local/content/${'local:iso/virtio-win-0.1.262.iso'}` }),
    );
    expect(del.reason).toBe('Permission check failed (/storage/local, Datastore.Allocate)');
  });

  it('serves apidoc.js without auth, as a JS constant followed by viewer code', async () => {
    const res = await rawRequest(sim, 'GET', '/pve-docs/api-viewer/apidoc.js');
    expect(res.status).toBe(200);
    expect(res.text.startsWith('const apiSchema = [')).toBe(true);
    const end = res.text.indexOf('\n;\n');
    const tree = JSON.parse(res.text.slice('const apiSchema = '.length, end));
    expect(tree.map((n: { path: string }) => n.path)).toContain('/nodes');
    expect(res.text.slice(end)).toMatch(/Ext\.onReady/);
  });

  it('checks parameters like PVE', async () => {
    const e = await failure(post('/nodes/pve1/qemu/100/config', { memory: 'abc', foo: '1' }, 'PUT'));
    expect([e.status, e.reason]).toEqual([400, 'Parameter verification failed.']);
    expect(e.errors).toEqual({
      memory: "type check ('integer') failed - got 'abc'",
      foo: 'property is not defined in schema and the schema does not allow additional properties',
    });
    const lxcMem = await failure(post('/nodes/pve1/lxc/200/config', { memory: 'abc' }, 'PUT'));
    expect(lxcMem.errors).toEqual({ memory: "type check ('integer') failed - got 'abc'" });
    const missing = await failure(post('/nodes/pve1/qemu/100/snapshot', {}));
    expect(missing.errors).toEqual({ snapname: 'property is missing and it is not optional' });
    const badEnum = await failure(get('/cluster/resources', { type: 'disk' }));
    expect(badEnum.errors?.type).toBe("value 'disk' does not have a value in the enumeration 'vm, storage, node, sdn'");
    const small = await failure(get('/nodes/pve1/qemu/99/config'));
    expect(small.errors?.vmid).toBe('value must have a minimum value of 100');
  });

  it('answers unknown paths and missing guests in PVE words', async () => {
    const e = await failure(get('/foo'));
    expect([e.status, e.reason]).toEqual([501, "Method 'GET /foo' not implemented"]);
    const m = await failure(post('/nodes/pve1/qemu/100/status/current', {}));
    expect(m.status).toBe(501);
    const g = await failure(get('/nodes/pve1/qemu/999/config'));
    expect([g.status, g.reason]).toEqual([500, "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist"]);
  });
});

describe('cluster state', () => {
  it('has three nodes, a dozen VMs and some containers in several states', async () => {
    const nodes = await get<any[]>('/nodes');
    expect(nodes.map((n) => n.node).sort()).toEqual(['pve1', 'pve2', 'pve3']);
    const vms = await get<any[]>('/cluster/resources', { type: 'vm' });
    const qemu = vms.filter((v) => v.type === 'qemu');
    expect(qemu.length).toBeGreaterThanOrEqual(12);
    expect(vms.filter((v) => v.type === 'lxc').length).toBeGreaterThanOrEqual(6);
    expect(new Set(vms.map((v) => v.status))).toEqual(new Set(['running', 'stopped']));
    expect(qemu.some((v) => v.template === 1)).toBe(true);
    expect(qemu.some((v) => v.lock)).toBe(true);
    const paused = await get('/nodes/pve3/qemu/106/status/current');
    expect(paused.qmpstatus).toBe('paused');
    const storages = await get<any[]>('/storage');
    expect(storages.map((s) => s.storage).sort()).toEqual(['backup-nfs', 'local', 'local-lvm']);
  });

  it('encodes volume ids as one path segment', async () => {
    const iso = await get<any[]>('/nodes/pve1/storage/local/content', { content: 'iso' });
    expect(iso.length).toBeGreaterThan(0);
    expect(iso.every((v) => v.content === 'iso')).toBe(true);
    const info = await get(apiPath`/nodes/pve1/storage/local/content/${iso[0].volid}`);
    expect(info.path).toMatch(/^\/var\/lib\/vz\/template\/iso\//);
    const backups = await get<any[]>('/nodes/pve2/storage/backup-nfs/content');
    const upid = await post<string>(apiPath`/nodes/pve2/storage/backup-nfs/content/${backups[0].volid}`, {}, 'DELETE');
    expect((await waitTask(upid)).exitstatus).toBe('OK');
    const after = await get<any[]>('/nodes/pve2/storage/backup-nfs/content');
    expect(after.map((v) => v.volid)).not.toContain(backups[0].volid);
  });

  it('starts a VM through a task whose status has the recorded fields', async () => {
    const upid = await post<string>('/nodes/pve2/qemu/105/status/start');
    expect(isUpid(upid)).toBe(true);
    expect(upid).toMatch(/:qmstart:105:root@pam!mcp:$/);
    const running = await get(apiPath`/nodes/pve2/tasks/${upid}/status`);
    expect(Object.keys(running).sort()).toEqual(['id', 'node', 'pid', 'pstart', 'starttime', 'status', 'tokenid', 'type', 'upid', 'user']);
    const done = await waitTask(upid);
    expect(done).toMatchObject({ exitstatus: 'OK', user: 'root@pam', tokenid: 'mcp', type: 'qmstart', id: '105' });
    expect(done).not.toHaveProperty('endtime');
    expect((await get('/nodes/pve2/qemu/105/status/current')).status).toBe('running');
    const log = await get<any[]>(apiPath`/nodes/pve2/tasks/${upid}/log`);
    expect(log.at(-1)).toEqual({ n: log.length, t: 'TASK OK' });
    const again = await waitTask(await post<string>('/nodes/pve2/qemu/105/status/start'));
    expect(again.exitstatus).toBe('VM 105 already running');
    await waitTask(await post<string>('/nodes/pve2/qemu/105/status/stop'));
    expect((await get('/nodes/pve2/qemu/105/status/current')).status).toBe('stopped');
  });

  it('changes config and digest with PUT, and refuses a stale digest', async () => {
    const before = await get('/nodes/pve1/qemu/109/config');
    expect(await post('/nodes/pve1/qemu/109/config', { memory: '3072', cores: 3, digest: before.digest }, 'PUT')).toBeNull();
    const after = await get('/nodes/pve1/qemu/109/config');
    expect([after.memory, after.cores]).toEqual(['3072', 3]);
    expect(after.digest).not.toBe(before.digest);
    const stale = await failure(post('/nodes/pve1/qemu/109/config', { cores: 2, digest: before.digest }, 'PUT'));
    expect(stale.status).toBe(500);
    const asyncUpid = await post<string>('/nodes/pve1/qemu/109/config', { description: 'async', delete: 'numa' });
    expect(isUpid(asyncUpid)).toBe(true);
    const cfg = await get('/nodes/pve1/qemu/109/config');
    expect(cfg.description).toBe('async');
    expect(cfg).not.toHaveProperty('numa');
  });

  it('creates, snapshots, rolls back, clones, migrates and destroys guests', async () => {
    const vmid = Number(await get('/cluster/nextid'));
    await waitTask(
      await post('/nodes/pve1/qemu', {
        vmid,
        name: 'made-by-test',
        memory: '512',
        cores: 1,
        scsi0: 'local-lvm:4',
        net0: 'virtio,bridge=vmbr0',
      }),
    );
    const cfg = await get(apiPath`/nodes/pve1/qemu/${vmid}/config`);
    expect(cfg.scsi0).toBe(`local-lvm:vm-${vmid}-disk-0,size=4G`);
    expect((await failure(get('/cluster/nextid', { vmid }))).errors).toEqual({ vmid: `VM ${vmid} already exists` });

    await waitTask(await post(apiPath`/nodes/pve1/qemu/${vmid}/snapshot`, { snapname: 'before', description: 'first' }));
    await post(apiPath`/nodes/pve1/qemu/${vmid}/config`, { cores: 4 }, 'PUT');
    const snaps = await get<any[]>(apiPath`/nodes/pve1/qemu/${vmid}/snapshot`);
    expect(snaps.map((s) => s.name)).toEqual(['before', 'current']);
    await waitTask(await post(apiPath`/nodes/pve1/qemu/${vmid}/snapshot/before/rollback`));
    expect((await get(apiPath`/nodes/pve1/qemu/${vmid}/config`)).cores).toBe(1);
    await waitTask(await post(apiPath`/nodes/pve1/qemu/${vmid}/snapshot/before`, {}, 'DELETE'));
    expect((await get<any[]>(apiPath`/nodes/pve1/qemu/${vmid}/snapshot`)).map((s) => s.name)).toEqual(['current']);

    const cloneId = vmid + 1;
    await waitTask(await post(apiPath`/nodes/pve1/qemu/${vmid}/clone`, { newid: cloneId, name: 'the-clone', full: 1 }));
    expect((await get(apiPath`/nodes/pve1/qemu/${cloneId}/config`)).name).toBe('the-clone');
    await waitTask(await post(apiPath`/nodes/pve1/qemu/${cloneId}/migrate`, { target: 'pve3' }));
    expect((await get(apiPath`/nodes/pve3/qemu/${cloneId}/status/current`)).status).toBe('stopped');
    await waitTask(await post(apiPath`/nodes/pve3/qemu/${cloneId}/resize`, { disk: 'scsi0', size: '+2G' }, 'PUT'));
    expect((await get(apiPath`/nodes/pve3/qemu/${cloneId}/config`)).scsi0).toMatch(/size=6G/);

    await waitTask(await post(apiPath`/nodes/pve1/qemu/${vmid}/status/start`));
    const running = await failure(post(apiPath`/nodes/pve1/qemu/${vmid}`, {}, 'DELETE'));
    expect(running.reason).toBe(`VM ${vmid} is running - destroy failed`);
    await waitTask(await post(apiPath`/nodes/pve1/qemu/${vmid}/status/stop`));
    await waitTask(await post(apiPath`/nodes/pve1/qemu/${vmid}`, {}, 'DELETE'));
    const gone = await failure(get(apiPath`/nodes/pve1/qemu/${vmid}/config`));
    expect(gone.status).toBe(500);

    const ctid = 290;
    await waitTask(
      await post('/nodes/pve2/lxc', {
        vmid: ctid,
        hostname: 'ct-test',
        ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        rootfs: 'local-lvm:2',
        start: 1,
      }),
    );
    expect((await get(apiPath`/nodes/pve2/lxc/${ctid}/status/current`)).status).toBe('running');
    const noReset = await failure(post(apiPath`/nodes/pve2/lxc/${ctid}/status/reset`));
    expect(noReset.status).toBe(501);
  });

  it('backs up with vzdump into the backup storage', async () => {
    const upid = await post<string>('/nodes/pve1/vzdump', { vmid: '200', storage: 'backup-nfs', mode: 'snapshot' });
    expect(upid).toMatch(/:vzdump:200:/);
    await waitTask(upid);
    const content = await get<any[]>('/nodes/pve1/storage/backup-nfs/content', { vmid: 200 });
    expect(content.length).toBe(3);
  });

  it('serves 2000 extra guests when asked', async () => {
    const big = await startSimulator({ extraGuests: 2000 });
    try {
      const c = clientFor(big);
      const rows = (await c.request<any[]>({ method: 'GET', path: '/cluster/resources', params: { type: 'vm' } })).data;
      expect(rows.length).toBe(2000 + 19);
      c.close();
    } finally {
      await big.close();
    }
  });
});

describe('faults', () => {
  it('ends tasks of a failing type with the given error and no effect', async () => {
    sim.faults.failTasks.set('qmstart', 'start failed: QEMU exited with code 1');
    try {
      const st = await waitTask(await post('/nodes/pve1/qemu/109/status/start'));
      expect(st.exitstatus).toBe('start failed: QEMU exited with code 1');
      expect((await get('/nodes/pve1/qemu/109/status/current')).status).toBe('stopped');
    } finally {
      sim.faults.reset();
    }
  });

  it('shows offline nodes in cluster reads and answers 595 for requests to them', async () => {
    sim.faults.offlineNodes.add('pve3');
    try {
      const e = await failure(get('/nodes/pve3/qemu'));
      expect([e.status, e.reason]).toEqual([595, 'Errors during connection establishment, proxy handshake: No route to host']);
      const res = await get<any[]>('/cluster/resources');
      expect(res.find((r) => r.id === 'node/pve3').status).toBe('offline');
      expect(res.filter((r) => r.node === 'pve3' && (r.type === 'qemu' || r.type === 'lxc')).every((r) => r.status === 'unknown')).toBe(
        true,
      );
      const status = await get<any[]>('/cluster/status');
      expect(status.find((r) => r.name === 'pve3').online).toBe(0);
    } finally {
      sim.faults.reset();
    }
  });

  it('forces error answers a given number of times, and adds latency', async () => {
    sim.faults.errorOn({ method: 'GET', path: /^\/nodes\/pve1\/qemu$/, status: 503, reason: 'Service Unavailable', times: 1 });
    sim.faults.latencyMs = 20;
    const headers = tokenHeader(sim.tokens.admin);
    const slowFailure = await rawRequest(sim, 'GET', '/api2/json/nodes/pve1/qemu', { headers });
    expect([slowFailure.status, slowFailure.reason]).toEqual([503, 'Service Unavailable']);
    expect((await rawRequest(sim, 'GET', '/api2/json/nodes/pve1/qemu', { headers })).status).toBe(200);
    sim.faults.reset();
    const forced = () => rawRequest(sim, 'DELETE', '/api2/json/nodes/pve3/qemu/108', { headers: tokenHeader(sim.tokens.admin), form: {} });
    sim.faults.errorOn({ method: 'DELETE', path: '/nodes/pve3/qemu/108', status: 500, reason: 'storage is busy', times: 1 });
    const first = await forced();
    expect([first.status, first.reason, first.body.message]).toEqual([500, 'storage is busy', 'storage is busy\n']);
    const second = await forced();
    expect(second.reason).toBe('VM 108 is running - destroy failed');
    sim.faults.reset();
  });
});

describe('guest agent', () => {
  it('runs the deterministic command set inside a Linux guest', async () => {
    expect(await exec(100, 'pve1', ['hostname'])).toEqual({ exited: 1, exitcode: 0, 'out-data': 'web01\n' });
    expect((await exec(100, 'pve1', ['echo', 'a', 'b']))['out-data']).toBe('a b\n');
    expect((await exec(100, 'pve1', ['cat', '/etc/os-release']))['out-data']).toMatch(/ID=debian/);
    expect((await exec(100, 'pve1', ['cat'], 'from stdin'))['out-data']).toBe('from stdin');
    expect(await exec(100, 'pve1', ['ls', '/nonexistent'])).toEqual({
      exited: 1,
      exitcode: 2,
      'err-data': "ls: cannot access '/nonexistent': No such file or directory\n",
    });
    expect((await exec(100, 'pve1', ['false'])).exitcode).toBe(1);
    expect((await exec(100, 'pve1', ['id', '-u']))['out-data']).toBe('0\n');
    expect((await exec(100, 'pve1', ['uname', '-a']))['out-data']).toMatch(/^Linux web01 /);
    const script = await exec(100, 'pve1', ['/bin/sh', '-c', 'echo one; false && echo never || echo fallback; exit 3']);
    expect(script).toEqual({ exited: 1, exitcode: 3, 'out-data': 'one\nfallback\n' });
  });

  it('reports a running command until it ends, then forgets it', async () => {
    const { pid } = await post<{ pid: number }>('/nodes/pve1/qemu/100/agent/exec', { command: ['sleep', '0.3'] });
    expect(await get('/nodes/pve1/qemu/100/agent/exec-status', { pid })).toEqual({ exited: 0 });
    let st: Record<string, unknown> = {};
    for (let i = 0; i < 100 && !st.exited; i++) {
      await new Promise((r) => setTimeout(r, 20));
      st = await get('/nodes/pve1/qemu/100/agent/exec-status', { pid });
    }
    expect(st).toEqual({ exited: 1, exitcode: 0 });
    const e = await failure(get('/nodes/pve1/qemu/100/agent/exec-status', { pid }));
    expect(e.reason).toBe("Agent error: Invalid parameter 'pid'");
  });

  it('caps captured output like qemu-ga', async () => {
    const st = await exec(100, 'pve1', ['yes', 'spam']);
    expect((st['out-data'] as string).length).toBe(4096);
    expect(st['out-truncated']).toBeTruthy();
  });

  it('reads and writes files', async () => {
    expect(await post('/nodes/pve1/qemu/101/agent/file-write', { file: '/tmp/note.txt', content: 'hello file' })).toBeNull();
    expect(await get('/nodes/pve1/qemu/101/agent/file-read', { file: '/tmp/note.txt' })).toEqual({ content: 'hello file' });
    expect((await exec(101, 'pve1', ['cat', '/tmp/note.txt']))['out-data']).toBe('hello file');
  });

  it('answers the Windows guest with cmd.exe and mswindows', async () => {
    expect((await get('/nodes/pve1/qemu/102/agent/get-osinfo')).result.id).toBe('mswindows');
    expect((await exec(102, 'pve1', ['cmd.exe', '/c', 'echo hi & hostname']))['out-data']).toBe('hi\r\nWIN11-DESK\r\n');
    const osinfo = await get('/nodes/pve1/qemu/100/agent/get-osinfo');
    expect(osinfo.result).toMatchObject({ id: 'debian', machine: 'x86_64' });
    const ifaces = await get('/nodes/pve1/qemu/100/agent/network-get-interfaces');
    expect(ifaces.result.map((i: { name: string }) => i.name)).toContain('lo');
  });

  it('fails like PVE when the agent cannot be used', async () => {
    const unknown = await failure(post('/nodes/pve1/qemu/100/agent/exec', { command: ['foo'] }));
    expect(unknown.status).toBe(500);
    expect(unknown.body?.message).toBe('Agent error: Failed to execute child process “foo” (No such file or directory)\n');
    expect((await failure(post('/nodes/pve2/qemu/104/agent/ping'))).reason).toBe('No QEMU guest agent configured');
    expect((await failure(post('/nodes/pve2/qemu/103/agent/ping'))).reason).toBe('QEMU guest agent is not running');
    expect((await failure(post('/nodes/pve3/qemu/111/agent/ping'))).reason).toBe('No QEMU guest agent configured');
    expect((await failure(post('/nodes/pve1/qemu/120/agent/ping'))).reason).toBe('VM 120 not running');
  });
});

describe('HA', () => {
  const rows = async () => get<Array<Record<string, any>>>('/cluster/ha/status/current');

  it('starts with HA in use: resources, a rule, a running CRM and hastate on the guests', async () => {
    const resources = await get<any[]>('/cluster/ha/resources');
    expect(resources.map((r) => r.sid)).toEqual(['ct:201', 'vm:100', 'vm:101']);
    expect(resources[1]).toMatchObject({ sid: 'vm:100', type: 'vm', state: 'started', digest: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect((await get('/cluster/ha/resources/100')).sid).toBe('vm:100');
    const rules = await get<any[]>('/cluster/ha/rules');
    expect(rules[0]).toMatchObject({ rule: 'db-prefers-pve1', type: 'node-affinity', resources: 'vm:101', nodes: 'pve1:2,pve2:1' });
    const vms = await get<any[]>('/cluster/resources', { type: 'vm' });
    expect(vms.find((v) => v.vmid === 100).hastate).toBe('started');
    expect(vms.find((v) => v.vmid === 104)).not.toHaveProperty('hastate');
    expect((await get('/nodes/pve1/qemu/100/status/current')).ha).toEqual({ managed: 1, state: 'started' });
    const status = await rows();
    expect(new Set(status.map((r) => r.type))).toEqual(new Set(['quorum', 'master', 'fencing', 'lrm', 'service']));
    expect(status.find((r) => r.type === 'fencing')).toMatchObject({ 'armed-state': 'armed', status: 'armed (CRM watchdog active)' });
    expect(status.find((r) => r.id === 'service:vm:100')).toMatchObject({
      sid: 'vm:100',
      node: 'pve1',
      crm_state: 'started',
      request_state: 'started',
      max_restart: 1,
      failback: 1,
    });
    expect(status.find((r) => r.id === 'lrm:pve1')?.status).toMatch(
      /^pve1 \(active, watchdog active, \w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4}\)$/,
    );
    const ms = await get('/cluster/ha/status/manager_status');
    expect(ms.quorum).toEqual({ quorate: '1', node: 'pve1' });
    expect(ms.manager_status.node_status).toEqual({ pve1: 'online', pve2: 'online', pve3: 'online' });
    expect(ms.manager_status.service_status['vm:100']).toMatchObject({ node: 'pve1', state: 'started' });
  });

  it('manages resources and rules statefully, with the recorded answers', async () => {
    expect(await post('/cluster/ha/resources', { sid: 'vm:108', state: 'started', comment: 'monitoring' })).toBeNull();
    expect((await get<any[]>('/cluster/ha/resources')).map((r) => r.sid)).toContain('vm:108');
    const dup = await failure(post('/cluster/ha/resources', { sid: '108' }));
    expect([dup.status, dup.reason]).toEqual([500, "resource ID 'vm:108' already defined"]);
    expect(await post('/cluster/ha/resources/vm:108', { comment: 'grafana', max_restart: 3 }, 'PUT')).toBeNull();
    expect(await get('/cluster/ha/resources/vm:108')).toMatchObject({ comment: 'grafana', max_restart: 3 });
    expect(
      await post('/cluster/ha/rules', { rule: 'apart', type: 'resource-affinity', affinity: 'negative', resources: 'vm:100,vm:108' }),
    ).toBeNull();
    expect(await get('/cluster/ha/rules/apart')).toMatchObject({
      rule: 'apart',
      type: 'resource-affinity',
      affinity: 'negative',
      resources: 'vm:100,vm:108',
    });
    expect((await get<any[]>('/cluster/ha/rules', { resource: '108' })).map((r) => r.rule)).toEqual(['apart']);

    const tooMany = await failure(
      post('/cluster/ha/rules', {
        rule: 'toomany',
        type: 'resource-affinity',
        affinity: 'negative',
        resources: 'vm:100,vm:101,vm:108,ct:201',
      }),
    );
    expect([tooMany.status, tooMany.reason]).toEqual([500, "create ha rule failed: 400 Rule 'toomany' is invalid."]);
    expect(tooMany.body?.message).toBe(
      "create ha rule failed: 400 Rule 'toomany' is invalid.\nresources: rule defines more resources than available nodes\n",
    );
    const wrongProp = await failure(
      post('/cluster/ha/rules', { rule: 'x', type: 'resource-affinity', affinity: 'positive', nodes: 'pve1', resources: 'vm:100,vm:108' }),
    );
    expect(wrongProp.status).toBe(400);

    const blocked = await post('/cluster/ha/resources/vm:108/migrate', { node: 'pve1' });
    expect(blocked).toEqual({
      sid: 'vm:108',
      'requested-node': 'pve1',
      'blocking-resources': [{ sid: 'vm:100', cause: 'resource-affinity' }],
    });
    expect(await post('/cluster/ha/resources/vm:108/migrate', { node: 'pve2' })).toEqual({ sid: 'vm:108', 'requested-node': 'pve2' });
    expect((await get<any[]>('/cluster/resources', { type: 'vm' })).find((v) => v.vmid === 108).hastate).toBe('migrate');
    sim.state.cluster.ha.settle();
    const moved = (await get<any[]>('/cluster/resources', { type: 'vm' })).find((v) => v.vmid === 108);
    expect([moved.node, moved.hastate, moved.status]).toEqual(['pve2', 'started', 'running']);

    const noPurge = await failure(post('/nodes/pve2/qemu/108', {}, 'DELETE'));
    expect(noPurge.reason).toBe('unable to remove VM 108 - used in HA resources and purge parameter not set.');
    expect(await post('/cluster/ha/rules/apart', {}, 'DELETE')).toBeNull();
    expect((await failure(get('/cluster/ha/rules/apart'))).status).toBe(500);
    expect(await post('/cluster/ha/resources/vm:108', {}, 'DELETE')).toBeNull();
    expect((await get<any[]>('/cluster/ha/resources')).map((r) => r.sid)).not.toContain('vm:108');
    expect((await get<any[]>('/cluster/resources', { type: 'vm' })).find((v) => v.vmid === 108)).not.toHaveProperty('hastate');
  });

  it('hands power requests for HA-managed guests to the HA stack', async () => {
    const upid = await post<string>('/nodes/pve2/lxc/201/status/stop');
    expect(parseUpid(upid)?.type).toBe('hastop');
    expect((await waitTask(upid)).exitstatus).toBe('OK');
    expect((await get('/cluster/ha/resources/ct:201')).state).toBe('stopped');
    sim.state.cluster.ha.settle();
    expect((await get('/nodes/pve2/lxc/201/status/current')).status).toBe('stopped');
    await waitTask(await post<string>('/nodes/pve2/lxc/201/status/start'));
    sim.state.cluster.ha.settle();
    expect((await get('/nodes/pve2/lxc/201/status/current')).status).toBe('running');
  });

  it('disarms and re-arms HA in steps', async () => {
    expect(await post('/cluster/ha/status/disarm-ha', { 'resource-mode': 'freeze' })).toBeNull();
    sim.state.cluster.ha.settle();
    const fencing = (await rows()).find((r) => r.type === 'fencing');
    expect(fencing).toMatchObject({
      'armed-state': 'disarmed',
      resource_mode: 'freeze',
      status: 'disarmed, resource mode: freeze (CRM watchdog released)',
    });
    expect((await rows()).find((r) => r.id === 'lrm:pve1')?.status).toMatch(/disarm mode, watchdog released/);
    expect(await post('/cluster/ha/status/arm-ha')).toBeNull();
    sim.state.cluster.ha.settle();
    expect((await rows()).find((r) => r.type === 'fencing')?.['armed-state']).toBe('armed');
  });

  it('needs Sys.Console for HA writes', async () => {
    expect((await readonly.request({ method: 'GET', path: '/cluster/ha/resources' })).data).not.toHaveLength(0);
    for (const [method, path, params] of [
      ['POST', '/cluster/ha/resources', { sid: 'vm:104' }],
      ['POST', '/cluster/ha/rules', { rule: 'r', type: 'node-affinity', nodes: 'pve1', resources: 'vm:100' }],
      ['POST', '/cluster/ha/status/disarm-ha', { 'resource-mode': 'ignore' }],
      ['DELETE', '/cluster/ha/resources/vm:100', {}],
    ] as const) {
      const e = await failure(readonly.request({ method, path, params }));
      expect([e.status, e.reason]).toEqual([403, 'Permission check failed (/, Sys.Console)']);
    }
  });

  it('starts idle on a cluster that never used HA, and learns the nodes only after a while', async () => {
    const fresh = await startSimulator({ taskDurationMs: 30, seedHa: false });
    const c = clientFor(fresh);
    try {
      const status = (await c.request<any[]>({ method: 'GET', path: '/cluster/ha/status/current' })).data;
      expect(status).toEqual([
        { id: 'quorum', node: 'pve1', quorate: 1, status: 'OK', type: 'quorum' },
        { id: 'fencing', node: 'pve1', type: 'fencing', 'armed-state': 'standby', status: 'standby (CRM watchdog standby)' },
      ]);
      expect((await c.request({ method: 'GET', path: '/cluster/ha/status/manager_status' })).data).toEqual({
        manager_status: { node_status: {} },
        quorum: { quorate: '1', node: 'pve1' },
      });
      for (const sid of ['vm:100', 'vm:101']) await c.request({ method: 'POST', path: '/cluster/ha/resources', params: { sid } });
      const rule = { rule: 'apart', type: 'resource-affinity', affinity: 'negative', resources: 'vm:100,vm:101' };
      const early = await failure(c.request({ method: 'POST', path: '/cluster/ha/rules', params: rule }));
      expect(early.reason).toBe("create ha rule failed: 400 Rule 'apart' is invalid.");
      fresh.state.cluster.ha.settle();
      expect((await c.request({ method: 'POST', path: '/cluster/ha/rules', params: rule })).data).toBeNull();
      fresh.state.cluster.ha.settle();
      const vms = (await c.request<any[]>({ method: 'GET', path: '/cluster/resources', params: { type: 'vm' } })).data;
      const nodes = vms.filter((v) => v.vmid === 100 || v.vmid === 101).map((v) => v.node);
      expect(new Set(nodes).size).toBe(2);
    } finally {
      c.close();
      await fresh.close();
    }
  });
});

describe('restore from a backup', () => {
  it('restores a container over itself only with restore=1 and force=1, when stopped, and keeps its backups', async () => {
    const backups = await get<Array<{ volid: string }>>('/nodes/pve1/storage/backup-nfs/content', { content: 'backup', vmid: 200 });
    const volid = backups[0].volid;
    const plain = await failure(post('/nodes/pve1/lxc', { vmid: 200, ostemplate: volid, restore: 1 }));
    expect(plain.describe()).toMatch(/CT 200 already exists on node 'pve1'/);
    if ((await get<{ status: string }>('/nodes/pve1/lxc/200/status/current')).status === 'running') {
      expect((await failure(post('/nodes/pve1/lxc', { vmid: 200, ostemplate: volid, restore: 1, force: 1 }))).describe()).toMatch(
        /can't overwrite running container/,
      );
      await waitTask(await post<string>('/nodes/pve1/lxc/200/status/stop'));
    }
    const upid = await post<string>('/nodes/pve1/lxc', { vmid: 200, ostemplate: volid, restore: 1, force: 1 });
    expect(parseUpid(upid)?.type).toBe('vzrestore');
    expect((await waitTask(upid)).exitstatus).toBe('OK');
    expect((await get<{ hostname: string }>('/nodes/pve1/lxc/200/config')).hostname).toBeTruthy();
    expect(await get<unknown[]>('/nodes/pve1/storage/backup-nfs/content', { content: 'backup', vmid: 200 })).toHaveLength(backups.length);
  });

  it('restores a VM from an archive under a new id, refuses a volume that is no backup', async () => {
    const [backup] = await get<Array<{ volid: string }>>('/nodes/pve1/storage/backup-nfs/content', { content: 'backup', vmid: 101 });
    expect((await failure(post('/nodes/pve1/qemu', { vmid: 101, archive: backup.volid }))).describe()).toMatch(/VM 101 already exists/);
    expect((await failure(post('/nodes/pve1/qemu', { vmid: 931, archive: 'local:iso/virtio-win-0.1.262.iso' }))).describe()).toMatch(
      /volume 'local:iso\/virtio-win-0\.1\.262\.iso' does not exist/,
    );
    const upid = await post<string>('/nodes/pve1/qemu', { vmid: 931, archive: backup.volid });
    expect(parseUpid(upid)?.type).toBe('qmrestore');
    expect((await waitTask(upid)).exitstatus).toBe('OK');
    await post('/nodes/pve1/qemu/931', {}, 'DELETE');
  });
});

describe('node config, console and upload', () => {
  it('keeps the node config, with the recorded empty answer before the first write', async () => {
    expect(await get('/nodes/pve2/config')).toEqual({});
    expect(
      await post('/nodes/pve2/config', { acme: 'account=default', acmedomain0: 'domain=pve2.example.com,plugin=standalone' }, 'PUT'),
    ).toBeNull();
    const cfg = await get('/nodes/pve2/config');
    expect(cfg).toEqual({
      description: '',
      acme: 'account=default',
      acmedomain0: 'domain=pve2.example.com,plugin=standalone',
      digest: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(await get('/nodes/pve2/config', { property: 'acme' })).toEqual({ acme: 'account=default' });
    const stale = await failure(post('/nodes/pve2/config', { description: 'x', digest: '0'.repeat(40) }, 'PUT'));
    expect(stale.status).toBe(500);
    expect((await failure(post('/nodes/pve2/config', { acmedomain9: 'domain=a.example' }, 'PUT'))).status).toBe(400);
    expect((await failure(post('/nodes/pve2/config', { acmedomain1: 'plugin=x' }, 'PUT'))).status).toBe(400);
    await post('/nodes/pve2/config', { delete: 'acme,acmedomain0' }, 'PUT');
    expect(await get('/nodes/pve2/config')).not.toHaveProperty('acme');
    const ro = await failure(readonly.request({ method: 'PUT', path: '/nodes/pve2/config', params: { description: 'x' } }));
    expect(ro.reason).toBe('Permission check failed (/, Sys.Modify)');
  });

  it('mints a VNC ticket for a running VM', async () => {
    const vnc = await post('/nodes/pve1/qemu/102/vncproxy', { websocket: 1 });
    expect(vnc).toMatchObject({
      user: 'root@pam!mcp',
      port: expect.stringMatching(/^59\d\d$/),
      ticket: expect.stringMatching(/^PVEVNC:/),
      cert: sim.certPem,
      password: expect.any(String),
    });
    expect(parseUpid(vnc.upid)).toMatchObject({ type: 'vncproxy', id: '102', node: 'pve1' });
    expect((await failure(post('/nodes/pve1/qemu/109/vncproxy'))).reason).toBe('VM 109 not running');
    expect((await failure(readonly.request({ method: 'POST', path: '/nodes/pve1/qemu/102/vncproxy' }))).reason).toBe(
      'Permission check failed (/vms/102, VM.Console)',
    );
  });

  it('takes multipart uploads into the storage through an imgcopy task', async () => {
    const data = Buffer.from('not really an iso\n'.repeat(100));
    const sha = createHash('sha256').update(data).digest('hex');
    const upload = (filename: string, extra: Record<string, string> = {}, token = sim.tokens.admin) =>
      rawRequest(sim, 'POST', '/api2/json/nodes/pve3/storage/local/upload', {
        headers: tokenHeader(token),
        multipart: { fields: { content: 'iso', ...extra }, file: { field: 'filename', filename, data } },
      });
    const ok = await upload('tiny.iso', { checksum: sha, 'checksum-algorithm': 'sha256' });
    expect(ok.status).toBe(200);
    expect(parseUpid(ok.body.data)).toMatchObject({ type: 'imgcopy', id: '', node: 'pve3' });
    expect((await waitTask(ok.body.data)).exitstatus).toBe('OK');
    const iso = (await get<any[]>('/nodes/pve3/storage/local/content', { content: 'iso' })).find((v) => v.volid === 'local:iso/tiny.iso');
    expect(iso).toMatchObject({ size: data.length, format: 'iso' });
    const bad = await upload('bad.iso', { checksum: '0'.repeat(64), 'checksum-algorithm': 'sha256' });
    expect((await waitTask(bad.body.data)).exitstatus).toMatch(/^checksum mismatch: got '[0-9a-f]{64}' != expect '0{64}'$/);
    expect((await upload('notes.txt')).reason).toBe('wrong file extension');
    expect((await upload('x.iso', {}, sim.tokens.readonly)).reason).toBe(
      'Permission check failed (/storage/local, Datastore.AllocateTemplate)',
    );
  });
});

describe('SDN', () => {
  it('reads the (empty) zones and vnets', async () => {
    expect(await get('/cluster/sdn/zones')).toEqual([]);
    expect(await get('/cluster/sdn/vnets')).toEqual([]);
    expect(await get('/nodes/pve1/sdn/zones')).toEqual([]);
  });

  it('creates a fabric with its nodes, applies it, shows FRR coming up, and removes it', async () => {
    expect(await get('/cluster/sdn/fabrics/fabric')).toEqual([]);
    expect(await post('/cluster/sdn/fabrics/fabric', { id: 'fab0', protocol: 'openfabric', ip_prefix: '10.99.99.0/24' })).toBe('');
    for (const [i, node] of ['pve1', 'pve2', 'pve3'].entries()) {
      expect(
        await post('/cluster/sdn/fabrics/node/fab0', {
          node_id: node,
          protocol: 'openfabric',
          ip: `10.99.99.${i + 1}`,
          interfaces: ['name=vmbr0'],
        }),
      ).toBe('');
    }
    const outside = await failure(post('/cluster/sdn/fabrics/node/fab0', { node_id: 'pve1', protocol: 'openfabric', ip: '10.1.1.1' }));
    expect(outside.status).toBe(500);
    expect((await get<any[]>('/cluster/sdn/fabrics/fabric'))[0]).toMatchObject({
      id: 'fab0',
      protocol: 'openfabric',
      ip_prefix: '10.99.99.0/24',
    });
    const nodes = await get<any[]>('/cluster/sdn/fabrics/node/fab0');
    expect(nodes.map((n) => n.node_id)).toEqual(['pve1', 'pve2', 'pve3']);
    expect(await get('/cluster/sdn/fabrics/node/fab0/pve1')).toEqual({
      fabric_id: 'fab0',
      node_id: 'pve1',
      protocol: 'openfabric',
      ip: '10.99.99.1',
      interfaces: ['name=vmbr0'],
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const upid = await post<string>('/cluster/sdn', {}, 'PUT');
    expect(parseUpid(upid)).toMatchObject({ type: 'reloadnetworkall', id: '' });
    await waitTask(upid);
    expect(await get('/nodes/pve1/sdn/fabrics/fab0/routes')).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    const neighbors = await get<any[]>('/nodes/pve1/sdn/fabrics/fab0/neighbors');
    expect(neighbors.map((n) => [n.neighbor, n.status])).toEqual([
      ['0100.9909.9002', 'Up'],
      ['0100.9909.9003', 'Up'],
    ]);
    expect(await get('/nodes/pve1/sdn/fabrics/fab0/routes')).toEqual([
      { route: '10.99.99.2/32', via: ['10.99.99.2'] },
      { route: '10.99.99.3/32', via: ['10.99.99.3'] },
    ]);
    expect(await get('/nodes/pve1/sdn/fabrics/fab0/interfaces')).toEqual([{ name: 'vmbr0', state: 'up', type: 'Broadcast' }]);
    const ro = await failure(
      readonly.request({ method: 'POST', path: '/cluster/sdn/fabrics/fabric', params: { id: 'fab1', protocol: 'ospf', area: '0' } }),
    );
    expect(ro.reason).toBe('Permission check failed (/sdn/fabrics, SDN.Allocate)');
    for (const node of ['pve1', 'pve2', 'pve3']) expect(await post(`/cluster/sdn/fabrics/node/fab0/${node}`, {}, 'DELETE')).toBe('');
    expect(await post('/cluster/sdn/fabrics/fabric/fab0', {}, 'DELETE')).toBe('');
    expect(await get('/cluster/sdn/fabrics/fabric')).toEqual([]);
    expect((await failure(get('/cluster/sdn/fabrics/node/fab0'))).status).toBe(500);
  });
});

describe('ACME', () => {
  it('registers an account, adds a DNS plugin, orders and revokes a node certificate', async () => {
    const dirs = await get<any[]>('/cluster/acme/directories');
    const staging = dirs.find((d) => d.name.includes('Staging')).url;
    const meta = await get('/cluster/acme/meta', { directory: staging });
    expect(meta).toMatchObject({ termsOfService: expect.stringMatching(/^https:/), caaIdentities: ['letsencrypt.org'] });
    const missing = await failure(get('/cluster/acme/account/lab'));
    expect([missing.status, missing.reason]).toEqual([400, 'Parameter verification failed.']);
    expect(missing.body?.errors).toEqual({ name: "ACME account config file 'lab' does not exist." });
    const reg = await post<string>('/cluster/acme/account', {
      name: 'lab',
      contact: 'ops@simlab.example',
      directory: staging,
      tos_url: meta.termsOfService,
    });
    expect(parseUpid(reg)).toMatchObject({ type: 'acmeregister', id: '' });
    expect((await waitTask(reg)).exitstatus).toBe('OK');
    expect(await get('/cluster/acme/account/lab')).toMatchObject({
      directory: staging,
      account: { status: 'valid', contact: ['mailto:ops@simlab.example'] },
    });
    expect(
      await post('/cluster/acme/plugins', { id: 'cf', type: 'dns', api: 'cf', data: 'Q0ZfVG9rZW49eA==', 'validation-delay': 60 }),
    ).toBeNull();
    expect(await get('/cluster/acme/plugins/cf')).toMatchObject({
      plugin: 'cf',
      type: 'dns',
      api: 'cf',
      'validation-delay': 60,
      digest: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect((await failure(post('/nodes/pve3/certificates/acme/certificate'))).reason).toBe('no ACME domains configured for this node!');
    await post('/nodes/pve3/config', { acme: 'account=lab', acmedomain0: 'domain=pve3.simlab.example,plugin=cf' }, 'PUT');
    const order = await post<string>('/nodes/pve3/certificates/acme/certificate');
    expect(parseUpid(order)).toMatchObject({ type: 'acmenewcert', node: 'pve3' });
    expect((await waitTask(order)).exitstatus).toBe('OK');
    const renew = await failure(post('/nodes/pve3/certificates/acme/certificate', {}, 'PUT'));
    expect(renew.status).toBe(500);
    expect((await waitTask(await post<string>('/nodes/pve3/certificates/acme/certificate', { force: 1 }, 'PUT'))).exitstatus).toBe('OK');
    const revoke = await post<string>('/nodes/pve3/certificates/acme/certificate', {}, 'DELETE');
    expect(parseUpid(revoke)?.type).toBe('acmerevoke');
    await waitTask(revoke);
    expect((await failure(post('/nodes/pve3/certificates/acme/certificate', {}, 'DELETE'))).status).toBe(500);
    expect(await post('/cluster/acme/plugins/cf', {}, 'DELETE')).toBeNull();
    expect((await get<any[]>('/cluster/acme/plugins')).map((p) => p.plugin)).toEqual(['standalone']);
    const ro = await failure(readonly.request({ method: 'POST', path: '/cluster/acme/plugins', params: { id: 'x', type: 'standalone' } }));
    expect(ro.reason).toBe('Permission check failed (/, Sys.Modify)');
    const roAccount = await failure(
      readonly.request({ method: 'POST', path: '/cluster/acme/account', params: { contact: 'a@b.example' } }),
    );
    expect([roAccount.status, roAccount.reason]).toEqual([403, 'Permission check failed (user != root@pam)']);
  });
});

it('starts with the same guest configs and backups all day, so what one demo start reads holds in the next', async () => {
  const day = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const digests: string[][] = [];
  // Two starts an hour and a half apart on the same day (only Date is faked; the servers run for real).
  for (const at of [day + 10 * 3_600_000, day + 11.5 * 3_600_000]) {
    vi.useFakeTimers({ toFake: ['Date'], now: at });
    const other = await startSimulator({ quiet: true });
    vi.useRealTimers();
    const client = clientFor(other, 'admin');
    try {
      const read = async (path: string) => (await client.request<{ digest: string }>({ method: 'GET', path })).data.digest;
      const backups = (await client.request<Array<{ volid: string }>>({ method: 'GET', path: '/nodes/pve1/storage/backup-nfs/content' }))
        .data;
      digests.push([await read('/nodes/pve1/qemu/101/config'), await read('/nodes/pve1/lxc/200/config'), ...backups.map((b) => b.volid)]);
    } finally {
      client.close();
      await other.close();
    }
  }
  expect(digests[1]).toEqual(digests[0]);
});
