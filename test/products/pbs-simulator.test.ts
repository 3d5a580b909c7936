import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/cluster.js';
import { configFromEnv } from '../../src/config/env.js';
import { parseApiToken } from '../../src/config/values.js';
import { HttpProxmoxClient } from '../../src/proxmox/client.js';
import { pbsOperations, startPbsSimulator, type PbsSimulatorHandle } from '../../src/simulator/pbs/index.js';
import { pruneMarks, type BackupSnapshot } from '../../src/simulator/pbs/state.js';
import { apiTool } from '../../src/tools/api.js';
import { apiReadTool } from '../../src/tools/api-read.js';
import { apiSchemaTool } from '../../src/tools/api-schema.js';
import type { ToolCall } from '../../src/tools/types.js';
import { haveProductApidoc, productCatalog, productMissingNote } from '../schema/shared.js';
import { Catalog } from '../../src/schema/catalog.js';
import { apidocTree } from '../../src/simulator/pbs/server.js';

const noCall: ToolCall = { signal: new AbortController().signal, progress: async () => {} };

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { describe?: () => string }).describe?.() ?? (err as Error).message;
  }
  throw new Error('expected a failure');
}

describe.skipIf(!haveProductApidoc('pbs-4.2'))(
  `the simulated PBS serves what the real PBS 4.2 schema says (${productMissingNote('pbs-4.2')})`,
  () => {
    const real = haveProductApidoc('pbs-4.2') ? productCatalog('pbs-4.2') : undefined!;
    const ours = Catalog.fromApidoc(apidocTree(pbsOperations()), { product: 'pbs' });

    it('serves only real operations, with real parameter names, types, required-ness and streaming marks', () => {
      expect(ours.operations.length).toBeGreaterThanOrEqual(45);
      for (const op of ours.operations) {
        const where = `${op.method} ${op.path}`;
        const twin = real.get(op.method, op.path);
        expect(twin, where).toBeDefined();
        expect(op.streaming, where).toBe(twin!.streaming);
        expect(op.pathParams, where).toEqual(twin!.pathParams);
        for (const p of op.params) {
          const rp = twin!.params.find((x) => x.name === p.name);
          expect(rp, `${where} ${p.name}`).toBeDefined();
          expect(p.type, `${where} ${p.name}`).toBe(rp!.type);
          expect(p.optional, `${where} ${p.name} optional`).toBe(rp!.optional);
          if (p.enum) expect(rp!.enum, `${where} ${p.name}`).toEqual(expect.arrayContaining(p.enum));
        }
        for (const rp of twin!.params.filter((x) => !x.optional))
          expect(
            op.params.some((p) => p.name === rp.name),
            `${where} needs ${rp.name}`,
          ).toBe(true);
      }
    });
  },
);

describe('prune decides as PBS does', () => {
  const day = 86_400;
  const snap = (time: number, prot = false): BackupSnapshot => ({
    type: 'vm',
    id: '100',
    time,
    files: [],
    protected: prot,
    owner: 'root@pam',
  });
  it('keeps the newest per period, counts each option after the ones before, never removes protected ones', () => {
    const base = Date.UTC(2026, 0, 5) / 1000; // a Monday
    const list = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map((d) => snap(base + d * day + 3600));
    list.push(snap(base + 13 * day + 7200)); // a second backup on the last day
    const marks = pruneMarks(list, { 'keep-last': 2, 'keep-daily': 3 });
    const kept = list.filter((s) => marks.get(s) === 'keep').map((s) => (s.time - base - 3600) / day);
    expect(kept.sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 13 + 1 / 24]);
    const withProtected = [...list, snap(base - 30 * day, true)];
    expect(pruneMarks(withProtected, { 'keep-last': 1 }).get(withProtected.at(-1)!)).toBe('protected');
    expect([...pruneMarks(list, {}).values()].every((m) => m === 'keep')).toBe(true);
    const weekly = pruneMarks(list, { 'keep-weekly': 2 });
    expect(list.filter((s) => weekly.get(s) === 'keep')).toHaveLength(2);
  });
});

describe('a Backup Server target through the MCP tools, on the simulated PBS', () => {
  let sim: PbsSimulatorHandle;
  let rt: Runtime;
  const runtimes: Runtime[] = [];
  const runtime = (extra: Record<string, string> = {}) => {
    const r = new Runtime(
      configFromEnv({
        PROXMOX_URL: sim.url,
        PROXMOX_PRODUCT: 'pbs',
        PROXMOX_FINGERPRINT: sim.fingerprint,
        PROXMOX_API_TOKEN: sim.tokens.admin,
        PROXMOX_CACHE_DIR: mkdtempSync(path.join(tmpdir(), 'pmcp-pbssim-')),
        PROXMOX_CONFIRM: 'off',
        ...extra,
      }),
    );
    runtimes.push(r);
    return r;
  };
  const api = (args: Record<string, unknown>, r = rt) => apiTool.run(apiTool.input.parse(args), r, noCall);
  const read = (args: Record<string, unknown>, r = rt) => apiReadTool.run(apiReadTool.input.parse(args), r, noCall);

  beforeAll(async () => {
    sim = await startPbsSimulator({ taskDurationMs: 60 });
    rt = runtime();
  });
  afterAll(async () => {
    for (const r of runtimes) r.close();
    await sim?.close();
  });

  it("loads the schema from the host's /docs/api-viewer/apidoc.js and answers discovery from it", async () => {
    const out = await apiSchemaTool.run(
      apiSchemaTool.input.parse({ path: '/admin/datastore/{store}/snapshots', method: 'DELETE' }),
      rt,
      noCall,
    );
    expect(out.text).toMatch(/Forget \(delete\) a backup snapshot/);
    expect(out.text).toMatch(/backup-type string vm\|ct\|host/);
    const browse = await apiSchemaTool.run(apiSchemaTool.input.parse({ path: '/admin/datastore/{store}' }), rt, noCall);
    expect(browse.text).toMatch(/prune-datastore/);
  });

  it('lists datastores, namespaces, groups and snapshots, including backups of the PVE guests', async () => {
    expect((await read({ path: '/admin/datastore' })).text).toMatch(/store1[\s\S]*offsite/);
    expect((await read({ path: '/admin/datastore/store1/namespace' })).text).toMatch(/dev\/k8s/);
    const groups = await read({ path: '/admin/datastore/store1/groups' });
    expect(groups.text).toMatch(/vm[\s\S]*100/);
    const k8s = await read({ path: '/admin/datastore/store1/snapshots', params: { ns: 'dev/k8s', 'backup-id': '109' } });
    expect((k8s.structured!.data as unknown[]).length).toBe(10);
  });

  it('runs garbage collection as a task with a PBS UPID, followed to its end', async () => {
    const out = await api({ path: '/admin/datastore/store1/gc', method: 'POST' });
    expect(out.text).toMatch(
      /^task finished: OK .* UPID:pbs1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:garbage_collection:store1:root@pam!mcp:/m,
    );
    const gc = await read({ path: '/admin/datastore/store1/gc' });
    expect((gc.structured!.data as { 'disk-bytes': number })['disk-bytes']).toBeGreaterThan(0);
  });

  it('reports a failed verification with the end of its log', async () => {
    const out = await api({ path: '/admin/datastore/store1/verify', method: 'POST', params: { 'backup-type': 'vm', 'backup-id': '101' } });
    expect(out.isError).toBe(true);
    expect(out.text).toMatch(/task FAILED: verification failed/);
    expect(out.text).toMatch(/vm\/101\/.* - failed/);
  });

  it('prunes: a dry run removes nothing, the real one removes what is not kept and spares protected snapshots', async () => {
    const params = { 'backup-type': 'vm', 'backup-id': '100', 'keep-last': 2 };
    const dry = await api({ path: '/admin/datastore/store1/prune', method: 'POST', params: { ...params, 'dry-run': true } });
    const rows = dry.structured!.data as Array<{ keep: boolean; protected: boolean }>;
    expect(rows.filter((r) => !r.keep)).toHaveLength(7);
    expect(rows.filter((r) => r.protected)).toHaveLength(1);
    expect(sim.state.snapshotsOf(sim.state.datastore('store1'), '').filter((s) => s.id === '100')).toHaveLength(10);
    await api({ path: '/admin/datastore/store1/prune', method: 'POST', params });
    expect(sim.state.snapshotsOf(sim.state.datastore('store1'), '').filter((s) => s.id === '100')).toHaveLength(3);
  });

  it('creates and deletes namespaces, and will not delete one holding backups without delete-groups', async () => {
    await api({ path: '/admin/datastore/store1/namespace', method: 'POST', params: { name: 'tmp', parent: 'customers' } });
    expect((await read({ path: '/admin/datastore/store1/namespace', params: { parent: 'customers' } })).text).toMatch(/customers\/tmp/);
    const refused = await failure(api({ path: '/admin/datastore/store1/namespace', method: 'DELETE', params: { ns: 'customers' } }));
    expect(refused).toMatch(/400[\s\S]*not empty \(use delete-groups/);
    await api({ path: '/admin/datastore/store1/namespace', method: 'DELETE', params: { ns: 'customers', 'delete-groups': true } });
    expect(sim.state.datastore('store1').namespaces.has('customers/tmp')).toBe(false);
  });

  it('creates a datastore as a task, runs a sync job into it and removes it again', async () => {
    const created = await api({
      path: '/config/datastore',
      method: 'POST',
      params: { name: 'store9', path: '/mnt/datastore/store9', 'maintenance-mode': 'type=read-only' },
    });
    expect(created.text).toMatch(/task finished: OK .*create-datastore:store9:/);
    await api({
      path: '/config/sync',
      method: 'POST',
      params: { id: 'fill9', store: 'store9', 'remote-store': 'store1', schedule: 'daily' },
    });
    const run = await api({ path: '/admin/sync/fill9/run', method: 'POST' });
    expect(run.text).toMatch(/task finished: OK .*syncjob:/);
    expect(sim.state.snapshotsOf(sim.state.datastore('store9'), '').length).toBeGreaterThan(3);
    const removed = await api({ path: '/config/datastore/store9', method: 'DELETE', params: { 'destroy-data': true } });
    expect(removed.text).toMatch(/delete-datastore:store9/);
    expect(sim.state.datastores.has('store9')).toBe(false);
    expect(sim.state.jobs.has('sync/fill9')).toBe(false);
  });

  it("answers errors in PBS's plain-text form, which the client shows as they are", async () => {
    expect(await failure(read({ path: '/admin/datastore/nope/groups' }))).toMatch(/400 Bad Request\ndatastore 'nope' does not exist\./);
    const c = new HttpProxmoxClient({
      url: sim.url,
      product: 'pbs',
      credentials: parseApiToken(sim.tokens.admin),
      tls: { fingerprint: sim.fingerprint },
    });
    try {
      const bad = await failure(
        c.request({ method: 'GET', path: '/admin/datastore/store1/snapshots', params: { 'backup-type': 'qemu', __proto__x: 1 } }),
      );
      expect(bad).toMatch(/parameter verification errors[\s\S]*backup-type/);
      expect(await failure(c.request({ method: 'GET', path: '/admin/datastore/..%2F..%2Fetc/groups' }))).toMatch(/400/);
      expect(await failure(c.request({ method: 'GET', path: '/nodes/otherhost/tasks' }))).toMatch(/no such node/);
    } finally {
      c.close();
    }
  });

  it('refuses a wrong token, lets the audit token read but not write, and logs in with PBSAuthCookie', async () => {
    const wrong = runtime({ PROXMOX_API_TOKEN: 'root@pam!mcp:00000000-0000-0000-0000-000000000000' });
    expect(await failure(read({ path: '/admin/datastore' }, wrong))).toMatch(/401/);
    const audit = runtime({ PROXMOX_API_TOKEN: sim.tokens.readonly });
    expect((await read({ path: '/admin/datastore' }, audit)).text).toMatch(/store1/);
    expect(await failure(api({ path: '/admin/datastore/store1/gc', method: 'POST' }, audit))).toMatch(/403[\s\S]*permission check failed/);
    const byPassword = runtime({ PROXMOX_API_TOKEN: '', PROXMOX_USERNAME: sim.login.username, PROXMOX_PASSWORD: sim.login.password });
    const out = await api({ path: '/admin/datastore/offsite/gc', method: 'POST' }, byPassword);
    expect(out.text).toMatch(/task finished: OK .*garbage_collection:offsite:root@pam:/);
  });

  it('lists its tasks and serves task logs as JSON pages', async () => {
    const tasks = await read({ path: '/nodes/localhost/tasks', params: { typefilter: 'garbage' } });
    expect(tasks.text).toMatch(/garbage_collection/);
    const upid = sim.tasks.tasks[0].upid;
    const log = await read({ path: '/nodes/localhost/tasks/{upid}/log', pathParams: { upid } });
    expect(log.text).toMatch(/starting/);
    const file = await read({ path: '/nodes/localhost/tasks/{upid}/log', pathParams: { upid }, params: { download: true } });
    expect(file.text).toMatch(
      /answered with a file \(a streaming DOWNLOAD operation: \d+ bytes, text\/plain\), not JSON; it is not shown here/,
    );
    expect(file.text).not.toMatch(/Start GC/);
  });
});
