import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRequest, ApiResponse, ProxmoxClient } from '../../src/proxmox/client.js';
import { ProxmoxHttpError, ProxmoxNetworkError } from '../../src/proxmox/errors.js';
import { taskLogTail, waitForTask } from '../../src/proxmox/tasks.js';

const UPID = 'UPID:pve2:00004675:0005B36F:6A4A8EED:qmstart:105:root@pam!mcp:';

type Answer = unknown | Error;

/** A client whose answers are scripted per path, recording what it was asked. */
function fakeClient(script: { status: Answer[]; log?: string[]; logTotal?: boolean }): ProxmoxClient & { requests: ApiRequest[] } {
  const requests: ApiRequest[] = [];
  let i = 0;
  return {
    baseUrl: 'https://fake:8006',
    requests,
    async request<T>(req: ApiRequest): Promise<ApiResponse<T>> {
      requests.push(req);
      if (req.path.endsWith('/status')) {
        const answer = script.status[Math.min(i++, script.status.length - 1)];
        if (answer instanceof Error) throw answer;
        return { status: 200, reason: 'OK', data: answer as T, body: { data: answer } };
      }
      if (req.path.endsWith('/log')) {
        const lines = script.log ?? [];
        const start = Number(req.params?.start ?? 0);
        const limit = Number(req.params?.limit ?? 50);
        const data = lines.slice(start, start + limit).map((t, n) => ({ n: start + n + 1, t }));
        return { status: 200, reason: 'OK', data: data as T, body: script.logTotal === false ? { data } : { data, total: lines.length } };
      }
      throw new Error(`unexpected ${req.path}`);
    },
    fetchText: async () => '',
    close: () => {},
  };
}

const running = { status: 'running', upid: UPID };
const stopped = (exitstatus: string) => ({ status: 'stopped', exitstatus, upid: UPID });

describe('waitForTask with a scripted client', () => {
  it('polls the node named in the UPID, with the UPID encoded as one segment, until the task stops', async () => {
    const client = fakeClient({ status: [running, running, stopped('OK')] });
    const progress: number[] = [];
    const result = await waitForTask(client, UPID, { timeoutMs: 10_000, pollMs: 1, onProgress: (ms) => void progress.push(ms) });
    expect(result).toMatchObject({ upid: UPID, node: 'pve2', status: 'stopped', exitstatus: 'OK', ok: true, type: 'qmstart', id: '105' });
    expect(result.logTail).toBeUndefined();
    expect(progress).toHaveLength(2);
    expect(client.requests).toHaveLength(3);
    expect(client.requests[0]).toMatchObject({
      method: 'GET',
      path: '/nodes/pve2/tasks/UPID%3Apve2%3A00004675%3A0005B36F%3A6A4A8EED%3Aqmstart%3A105%3Aroot%40pam%21mcp%3A/status',
    });
  });

  it('reports a failed task with the tail of its log, read from where the tail starts', async () => {
    const log = Array.from({ length: 120 }, (_, n) => `line ${n + 1}`);
    log.push('TASK ERROR: start failed: storage offline');
    const client = fakeClient({ status: [stopped('start failed: storage offline')], log });
    const result = await waitForTask(client, UPID, { timeoutMs: 1000, pollMs: 1 });
    expect(result).toMatchObject({ status: 'stopped', ok: false, exitstatus: 'start failed: storage offline' });
    expect(result.logTail).toHaveLength(20);
    expect(result.logTail!.at(-1)).toBe('TASK ERROR: start failed: storage offline');
    expect(result.logTail![0]).toBe('line 102');
    const logReads = client.requests.filter((r) => r.path.endsWith('/log'));
    expect(logReads.map((r) => r.params)).toEqual([
      { start: 0, limit: 20 },
      { start: 101, limit: 20 },
    ]);
  });

  it('treats WARNINGS as success with a note and the log tail', async () => {
    const client = fakeClient({ status: [stopped('WARNINGS: 2')], log: ['a', 'WARN: x', 'WARN: y', 'TASK WARNINGS: 2'] });
    const result = await waitForTask(client, UPID, { timeoutMs: 1000, pollMs: 1 });
    expect(result).toMatchObject({ ok: true, exitstatus: 'WARNINGS: 2', logTail: ['a', 'WARN: x', 'WARN: y', 'TASK WARNINGS: 2'] });
    expect(result.note).toMatch(/2 warning/);
  });

  it('returns status running when the timeout passes', async () => {
    const client = fakeClient({ status: [running] });
    const result = await waitForTask(client, UPID, { timeoutMs: 30, pollMs: 1 });
    expect(result.status).toBe('running');
    expect(result.ok).toBeUndefined();
    expect(client.requests.length).toBeGreaterThan(1);
  });

  it('returns status running when the signal aborts, without waiting out the timeout', async () => {
    const controller = new AbortController();
    const client = fakeClient({ status: [running] });
    const result = await waitForTask(client, UPID, {
      timeoutMs: 600_000,
      pollMs: 1,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(result.status).toBe('running');
    expect(client.requests).toHaveLength(1);
  });

  it('retries transient errors while polling', async () => {
    const flaky = new ProxmoxNetworkError('connection reset', 'ECONNRESET', 'GET', '/x');
    const busy = new ProxmoxHttpError(503, 'Service Unavailable', undefined, 'GET', '/x');
    const client = fakeClient({ status: [flaky, busy, running, flaky, stopped('OK')] });
    expect(await waitForTask(client, UPID, { timeoutMs: 10_000, pollMs: 1 })).toMatchObject({ status: 'stopped', ok: true });
  });

  it('gives up after a few failures in a row', async () => {
    const flaky = new ProxmoxNetworkError('connection refused', 'ECONNREFUSED', 'GET', '/x');
    const client = fakeClient({ status: [flaky] });
    await expect(waitForTask(client, UPID, { timeoutMs: 10_000, pollMs: 1 })).rejects.toBe(flaky);
    expect(client.requests).toHaveLength(3);
  });

  it('fails at once on an error that will not go away', async () => {
    const denied = new ProxmoxHttpError(403, 'Permission check failed', undefined, 'GET', '/x');
    const client = fakeClient({ status: [denied, stopped('OK')] });
    await expect(waitForTask(client, UPID, { timeoutMs: 10_000, pollMs: 1 })).rejects.toBe(denied);
  });

  it('keeps polling when a progress callback throws', async () => {
    const client = fakeClient({ status: [running, stopped('OK')] });
    const result = await waitForTask(client, UPID, {
      timeoutMs: 10_000,
      pollMs: 1,
      onProgress: () => {
        throw new Error('client gone');
      },
    });
    expect(result.ok).toBe(true);
  });

  it('refuses something that is not a UPID', async () => {
    await expect(waitForTask(fakeClient({ status: [] }), 'not-a-upid', { timeoutMs: 10 })).rejects.toThrow(/not a task id/);
  });
});

describe('taskLogTail with a scripted client', () => {
  it('reads a short log in one request', async () => {
    const client = fakeClient({ status: [], log: ['one', 'two'] });
    expect(await taskLogTail(client, UPID)).toEqual(['one', 'two']);
    expect(client.requests).toHaveLength(1);
  });

  it('pages to the end when the server gives no total', async () => {
    const log = Array.from({ length: 1234 }, (_, n) => `l${n}`);
    const client = fakeClient({ status: [], log, logTotal: false });
    expect(await taskLogTail(client, UPID, 5)).toEqual(['l1229', 'l1230', 'l1231', 'l1232', 'l1233']);
  });
});

const simulatorPresent = existsSync(new URL('../../src/simulator/index.ts', import.meta.url));

describe.skipIf(!simulatorPresent)('waitForTask against the simulator', () => {
  let sim: import('../../src/simulator/index.js').SimulatorHandle;
  let client: ProxmoxClient;

  beforeAll(async () => {
    const { startSimulator } = await import('../../src/simulator/index.js');
    const { clientFor } = await import('../simulator/helpers.js');
    sim = await startSimulator({ taskDurationMs: 50, quiet: true });
    client = clientFor(sim);
  });
  afterAll(async () => {
    client?.close();
    await sim?.close();
  });

  async function startGuest(node: string, vmid: number): Promise<string> {
    const res = await client.request<string>({ method: 'POST', path: `/nodes/${node}/qemu/${vmid}/status/start` });
    return res.data;
  }

  it('follows a start task to OK', async () => {
    const upid = await startGuest('pve2', 105);
    const result = await waitForTask(client, upid, { timeoutMs: 10_000, pollMs: 10 });
    expect(result).toMatchObject({ status: 'stopped', ok: true, exitstatus: 'OK', node: 'pve2', type: 'qmstart', id: '105' });
  });

  it('reports a failing task with its error and log tail', async () => {
    sim.faults.failTasks.set('qmstart', 'start failed: simulated storage outage');
    try {
      const upid = await startGuest('pve1', 109);
      const result = await waitForTask(client, upid, { timeoutMs: 10_000, pollMs: 10 });
      expect(result).toMatchObject({ status: 'stopped', ok: false });
      expect(result.exitstatus).toContain('simulated storage outage');
      expect(result.logTail?.length).toBeGreaterThan(0);
      expect(result.logTail!.join('\n')).toContain('simulated storage outage');
    } finally {
      sim.faults.failTasks.delete('qmstart');
    }
  });

  it('returns running when the wait is shorter than the task', async () => {
    const { startSimulator } = await import('../../src/simulator/index.js');
    const { clientFor } = await import('../simulator/helpers.js');
    const slow = await startSimulator({ taskDurationMs: 60_000, quiet: true });
    const slowClient = clientFor(slow);
    try {
      const res = await slowClient.request<string>({ method: 'POST', path: '/nodes/pve2/qemu/110/status/start' });
      const result = await waitForTask(slowClient, res.data, { timeoutMs: 50, pollMs: 10 });
      expect(result.status).toBe('running');
    } finally {
      slowClient.close();
      await slow.close();
    }
  });
});
