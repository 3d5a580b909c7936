/**
 * One record per audited call, of one shape, naming the concrete API path whatever the outcome: the API tool
 * and both exec tools, each through success, failure and refusal.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cluster.js';
import type { ClusterConfig, SshConfig } from '../../src/config/schema.js';
import { parseApiToken } from '../../src/config/values.js';
import { HttpProxmoxClient } from '../../src/proxmox/client.js';
import { AuditLog } from '../../src/safety/audit.js';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { apiTool } from '../../src/tools/api.js';
import { containerCommandTool } from '../../src/tools/execute-container-command.js';
import { vmCommandTool } from '../../src/tools/execute-vm-command.js';
import { audited, RefusalNote } from '../../src/tools/audited.js';
import { ToolError, type ToolCall, type ToolEnv } from '../../src/tools/types.js';
import { clusterConfig, harnessSsh, makeCall, makeEnv, TableClient } from '../exec/fake-env.js';
import { SKIP_REASON, sshdAvailable, startSshd, type SshdHarness } from '../exec/sshd-harness.js';
import { simRuntime } from './sim-runtime.js';

/** The keys every record has, in this order (those left undefined are not written). */
const SHAPE = ['time', 'tool', 'cluster', 'method', 'path', 'params', 'command', 'status', 'httpStatus', 'upid', 'exitCode', 'error'];
const SHAPE_TAIL = ['durationMs', 'seq', 'prev', 'hash'];

function newLog(): { file: string; audit: AuditLog; records: () => Array<Record<string, unknown>> } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'audited-')), 'audit.jsonl');
  return {
    file,
    audit: new AuditLog(file),
    records: () =>
      (existsSync(file) ? readFileSync(file, 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Runs one call, ignoring how it ends, and returns the records it added. */
async function recordsOf(log: ReturnType<typeof newLog>, run: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const before = log.records().length;
  await run().catch(() => undefined);
  return log.records().slice(before);
}

function expectOneShape(record: Record<string, unknown>): void {
  const keys = Object.keys(record);
  const known = [...SHAPE, ...SHAPE_TAIL];
  expect(
    keys.filter((k) => !known.includes(k)),
    'unknown keys',
  ).toEqual([]);
  expect(keys, 'key order').toEqual(known.filter((k) => keys.includes(k)));
}

describe('audited calls: the API tool', () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, taskDurationMs: 50 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const runtime = (file: string, extra: Record<string, string> = {}) => simRuntime(sim, { PROXMOX_AUDIT_LOG: file, ...extra });
  const noCall: ToolCall = { signal: new AbortController().signal, progress: async () => {} };
  const api = (rt: Runtime, args: Record<string, unknown>) => apiTool.run(apiTool.input.parse(args), rt, noCall);

  it('writes one record per write, with the concrete path, for success, failure and refusal', async () => {
    const log = newLog();
    const rt = runtime(log.file);
    const denied = runtime(log.file, { PROXMOX_DENY: 'POST /nodes/*/qemu/*/snapshot' });
    try {
      const write = { path: '/nodes/{node}/qemu/{vmid}/snapshot', pathParams: { node: 'pve1', vmid: 100 }, method: 'POST' };
      const ok = await recordsOf(log, () => api(rt, { ...write, params: { snapname: 'one' } }));
      const failed = await recordsOf(log, () => api(rt, { ...write, params: { snapname: 'one' } })); // exists already
      const refused = await recordsOf(log, () => api(denied, { ...write, params: { snapname: 'two' } }));
      const read = await recordsOf(log, () => api(rt, { path: '/nodes/pve1/qemu/100/snapshot', method: 'GET' }));
      expect(read).toEqual([]);
      for (const [records, status] of [
        [ok, 'ok'],
        [failed, 'error'],
        [refused, 'refused'],
      ] as const) {
        expect(records, status).toHaveLength(1);
        expect(records[0]).toMatchObject({ tool: 'proxmox-api', method: 'POST', path: '/nodes/pve1/qemu/100/snapshot', status });
        expectOneShape(records[0]);
      }
      expect(failed[0].httpStatus).toBeGreaterThanOrEqual(400);
      expect(refused[0].error).toMatch(/PROXMOX_DENY/);
    } finally {
      rt.close();
      denied.close();
    }
  });
});

describe('audited calls: the VM command tool', () => {
  let sim: SimulatorHandle;
  let client: HttpProxmoxClient;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    client = new HttpProxmoxClient({
      url: sim.url,
      credentials: parseApiToken(sim.tokens.admin),
      tls: { fingerprint: sim.fingerprint },
      timeoutMs: 5000,
    });
  });
  afterAll(async () => {
    client?.close();
    await sim?.close();
  });

  const envWith = (audit: AuditLog, over: Partial<ClusterConfig> = {}): ToolEnv => ({
    ...makeEnv(clusterConfig({ url: sim.url, ...over }), client),
    audit,
  });
  const run = (env: ToolEnv, args: Record<string, unknown>) =>
    vmCommandTool.run(vmCommandTool.input.parse({ node: 'pve1', vmid: 100, ...args }), env, makeCall());

  it('writes one record per command, with the agent path and the exit code, for every outcome', async () => {
    const log = newLog();
    const env = envWith(log.audit);
    const ok = await recordsOf(log, () => run(env, { command: 'true' }));
    const exit3 = await recordsOf(log, () => run(env, { command: 'exit 3', shell: true }));
    const failed = await recordsOf(log, () => run(env, { node: 'pve2', vmid: 103, command: 'true' })); // agent down
    const refused = await recordsOf(log, () => run(envWith(log.audit, { deny: ['* /nodes/*/qemu/*/agent/**'] }), { command: 'true' }));
    for (const [records, status, vmPath] of [
      [ok, 'ok', '/nodes/pve1/qemu/100/agent/exec'],
      [exit3, 'ok', '/nodes/pve1/qemu/100/agent/exec'],
      [failed, 'error', '/nodes/pve2/qemu/103/agent/exec'],
      [refused, 'refused', '/nodes/pve1/qemu/100/agent/exec'],
    ] as const) {
      expect(records, status).toHaveLength(1);
      expect(records[0]).toMatchObject({ tool: 'proxmox-execute-vm-command', method: 'POST', path: vmPath, status });
      expectOneShape(records[0]);
    }
    expect(ok[0].exitCode).toBe(0);
    expect(exit3[0].exitCode).toBe(3);
    expect(failed[0].error).toMatch(/agent/i);
    expect(refused[0].error).toMatch(/PROXMOX_DENY/);
  });
});

if (!sshdAvailable) console.warn(`skipping container audit tests: ${SKIP_REASON}`);

describe.skipIf(!sshdAvailable)('audited calls: the container command tool', () => {
  let h: SshdHarness;
  beforeAll(async () => {
    h = await startSshd();
  }, 20_000);
  afterAll(async () => {
    await h?.close();
  });

  const ssh = (over: Partial<SshConfig> = {}) => harnessSsh(h, over);
  const run = (audit: AuditLog, args: Record<string, unknown>, over: Partial<ClusterConfig> = {}, signal?: AbortSignal) =>
    containerCommandTool.run(
      containerCommandTool.input.parse({ node: 'pve1', vmid: 101, ...args }),
      { ...makeEnv(clusterConfig({ ssh: ssh(), ...over }), new TableClient({})), audit },
      makeCall(signal),
    );

  it('names the guest by its concrete API path for success, failure, refusal, timeout and cancellation', async () => {
    const log = newLog();
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const ok = await recordsOf(log, () => run(log.audit, { command: 'echo hi' }));
    const exit7 = await recordsOf(log, () => run(log.audit, { command: 'exit 7' }));
    const failed = await recordsOf(log, () => run(log.audit, { command: 'true' }, { ssh: ssh({ port: closedPort }) }));
    const refused = await recordsOf(log, () => run(log.audit, { command: 'true' }, { deny: ['POST /nodes/*/lxc/**'] }));
    const timedOut = await recordsOf(log, () => run(log.audit, { command: 'sleep 2', timeoutMs: 300 }));
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const cancelled = await recordsOf(log, () => run(log.audit, { command: 'sleep 2' }, {}, abort.signal));
    for (const [records, status] of [
      [ok, 'ok'],
      [exit7, 'ok'],
      [failed, 'error'],
      [refused, 'refused'],
      [timedOut, 'error'],
      [cancelled, 'cancelled'],
    ] as const) {
      expect(records, status).toHaveLength(1);
      expect(records[0]).toMatchObject({
        tool: 'proxmox-execute-container-command',
        method: 'POST',
        path: '/nodes/pve1/lxc/101/exec',
        status,
      });
      expectOneShape(records[0]);
    }
    expect(ok[0]).toMatchObject({ command: 'echo hi', exitCode: 0 });
    expect(exit7[0].exitCode).toBe(7);
    expect(failed[0].error).toMatch(/refused/);
    expect(refused[0].error).toMatch(/PROXMOX_DENY/);
    expect(timedOut[0].error).toBe('timeout');
    // Only a command that ended by itself has an exit code of its own.
    expect(timedOut[0].exitCode).toBeUndefined();
    expect(cancelled[0].exitCode).toBeUndefined();
  }, 30_000);
});

describe('AuditedCall', () => {
  const target = { tool: 't', cluster: 'c', method: 'POST', path: '/nodes/pve1/qemu/100/status/stop' };
  const envOf = (audit: AuditLog): ToolEnv => ({ ...makeEnv(clusterConfig(), new TableClient({})), audit });

  it('records a confirmation preview by its note, never its token, and an abort before sending as cancelled', async () => {
    const log = newLog();
    const preview = new RefusalNote('NOT RUN ... confirm: "secret-token"', { confirm: 'secret-token' }, 'not run: needs agreement');
    await expect(audited(envOf(log.audit), new AbortController().signal, target).check(() => Promise.reject(preview))).rejects.toBe(
      preview,
    );
    const abort = new AbortController();
    abort.abort();
    const cancelled = audited(envOf(log.audit), abort.signal, target);
    await expect(cancelled.check(() => Promise.reject(new Error('aborted')))).rejects.toThrow('aborted');
    expect(log.records().map((r) => [r.status, r.error])).toEqual([
      ['refused', 'not run: needs agreement'],
      ['cancelled', 'aborted'],
    ]);
    expect(readFileSync(log.file, 'utf8')).not.toContain('secret-token');
  });

  it('writes at most one record per call, and none without a target', async () => {
    const log = newLog();
    const one = audited(envOf(log.audit), new AbortController().signal, target);
    await one.check(() => undefined);
    await expect(
      one.send(
        () => Promise.reject(new ToolError('boom')),
        () => ({ status: 'ok' }),
      ),
    ).rejects.toThrow('boom');
    await one.send(
      async () => 1,
      () => ({ status: 'ok' }),
    ); // a second send of the same call adds nothing
    const unrecorded = audited(envOf(log.audit), new AbortController().signal, undefined);
    await expect(unrecorded.check(() => Promise.reject(new ToolError('no')))).rejects.toThrow('no');
    expect(log.records().map((r) => [r.status, r.error])).toEqual([['error', 'boom']]);
  });
});
