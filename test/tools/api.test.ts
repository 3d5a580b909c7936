import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/cluster.js';
import { configFromEnv } from '../../src/config/env.js';
import type { AppConfig } from '../../src/config/schema.js';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { apiTool } from '../../src/tools/api.js';
import { apiReadTool } from '../../src/tools/api-read.js';
import { apiSchemaTool } from '../../src/tools/api-schema.js';
import { vmCommandTool } from '../../src/tools/execute-vm-command.js';
import { ToolError, type ToolCall, type ToolOutput } from '../../src/tools/types.js';
import { apidocFile, needsNote } from '../reference-data.js';

const shared = apidocFile('9.2');

const noCall: ToolCall = { signal: new AbortController().signal, progress: async () => {} };

function runtimeFor(sim: SimulatorHandle, extra: Record<string, string> = {}, token = sim.tokens.admin): Runtime {
  const config: AppConfig = configFromEnv({
    PROXMOX_URL: sim.url,
    PROXMOX_API_TOKEN: token,
    PROXMOX_FINGERPRINT: sim.fingerprint,
    PROXMOX_CACHE_DIR: mkdtempSync(path.join(tmpdir(), 'pmcp-cache-')),
    PROXMOX_CONFIRM: 'param',
    ...extra,
  });
  return new Runtime(config);
}

async function api(rt: Runtime, args: Record<string, unknown>, call: ToolCall = noCall): Promise<ToolOutput> {
  return apiTool.run(apiTool.input.parse(args), rt, call);
}
async function read(rt: Runtime, args: Record<string, unknown>): Promise<ToolOutput> {
  return apiReadTool.run(apiReadTool.input.parse(args), rt, noCall);
}
/** A destructive call the way the user agrees to it: the preview's token, then the same call with it. */
async function confirmed(rt: Runtime, args: Record<string, unknown>): Promise<ToolOutput> {
  let token: unknown;
  try {
    await api(rt, args);
  } catch (err) {
    token = (err as ToolError).structured?.confirm;
  }
  if (typeof token !== 'string') throw new Error('expected a preview with a confirmation token');
  return api(rt, { ...args, confirm: token });
}
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof ToolError
      ? err.message
      : `${(err as Error).name}: ${(err as { describe?: () => string }).describe?.() ?? (err as Error).message}`;
  }
  throw new Error('expected the call to fail');
}

describe('proxmox-api and proxmox-api-read against the simulated cluster', () => {
  let sim: SimulatorHandle;
  let rt: Runtime;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, taskDurationMs: 150 });
    rt = runtimeFor(sim); // schema loaded from the simulator's own apidoc.js, like a real node
  });
  afterAll(async () => {
    rt?.close();
    await sim?.close();
  });
  beforeEach(() => sim.faults.reset());

  it('loads the schema from the cluster and reads a concrete path', async () => {
    const out = await read(rt, { path: '/nodes/pve1/qemu/100/status/current' });
    expect(out.isError).toBeFalsy();
    expect(out.text).toMatch(/"status":"running"/);
    expect((await rt.cluster().catalog())?.operations.length).toBeGreaterThan(40);
  });

  it('detects the method when the path has exactly one, and lists them when it has several', async () => {
    expect((await read(rt, { path: '/version' })).text).toMatch(/version/);
    const msg = await failure(api(rt, { path: '/nodes/pve1/qemu/100/config' }));
    expect(msg).toMatch(/several methods/);
    expect(msg).toMatch(/GET \/nodes\/\{node\}\/qemu\/\{vmid\}\/config/);
    expect(msg).toMatch(/PUT \/nodes\/\{node\}\/qemu\/\{vmid\}\/config/);
  });

  it('never echoes a huge model input back in full', async () => {
    const big = 'x'.repeat(100_000);
    expect((await failure(read(rt, { path: `/nodes/${big}/nowhere/at/all` }))).length).toBeLessThan(2000);
    expect((await failure(api(rt, { path: '/nodes/pve1/qemu/100/config', method: 'PUT', params: { [big]: 1 } }))).length).toBeLessThan(
      2000,
    );
    const schema = await apiSchemaTool.run(apiSchemaTool.input.parse({ query: `${big} ${'zzq '.repeat(20_000)}` }), rt, noCall);
    expect(schema.text.length).toBeLessThan(2000);
    const tag = await apiSchemaTool.run(apiSchemaTool.input.parse({ tag: big }), rt, noCall);
    expect(tag.text.length).toBeLessThan(2000);
  });

  it('takes the method in any case', async () => {
    expect((await api(rt, { path: '/version', method: 'get' })).text).toMatch(/"version"/);
  });

  it('refuses an unknown path with the nearest ones', async () => {
    const msg = await failure(read(rt, { path: '/nodes/pve1/qemu/100/statuss/current' }));
    expect(msg).toMatch(/unknown path/);
    expect(msg).toMatch(/\/nodes\/\{node\}\/qemu\/\{vmid\}\/status/);
  });

  it('validates parameters before any request: did-you-mean, type, enum, missing', async () => {
    const before = JSON.stringify(await read(rt, { path: '/nodes/pve1/qemu/100/config' }));
    expect(await failure(api(rt, { path: '/nodes/pve1/qemu/100/config', method: 'PUT', params: { memroy: 1024 } }))).toMatch(
      /unknown parameter 'memroy'.*did you mean 'memory'/,
    );
    expect(await failure(api(rt, { path: '/nodes/pve1/qemu/100/config', method: 'PUT', params: { cores: 'many' } }))).toMatch(/cores/);
    expect(await failure(api(rt, { path: '/nodes/pve1/qemu/100/snapshot', method: 'POST', params: {} }))).toMatch(/snapname/);
    expect(JSON.stringify(await read(rt, { path: '/nodes/pve1/qemu/100/config' }))).toBe(before);
  });

  it('sends booleans as 1/0 and changes the state for real', async () => {
    await api(rt, {
      path: '/nodes/{node}/qemu/{vmid}/config',
      method: 'PUT',
      pathParams: { node: 'pve1', vmid: 101 },
      params: { onboot: true, cores: 6 },
    });
    const cfg = (await read(rt, { path: '/nodes/pve1/qemu/101/config', fields: ['onboot', 'cores'] })).text;
    expect(cfg).toMatch(/"onboot":1/);
    expect(cfg).toMatch(/"cores":6/);
  });

  it('passes Proxmox error text through unchanged', async () => {
    const msg = await failure(read(rt, { path: '/nodes/pve1/qemu/999/config' }));
    expect(msg).toMatch(/500/);
    expect(msg).toMatch(/Configuration file 'nodes\/pve1\/qemu-server\/999.conf' does not exist/);
  });

  it('keeps UTF-8 in Proxmox reason phrases intact', async () => {
    const msg = await failure(
      confirmed(rt, { path: '/nodes/pve1/qemu/100/agent/exec', method: 'POST', params: { command: ['nosuchprog'] } }),
    );
    expect(msg).toContain('“nosuchprog”');
  });

  it('encodes path parameters: a hostile node stays one segment, a volume id keeps its slash', async () => {
    const hostile = await failure(read(rt, { path: '/nodes/{node}/qemu', pathParams: { node: 'pve1/../../access' } }));
    expect(hostile).not.toMatch(/root@pam/);
    const vol = await read(rt, {
      path: '/nodes/{node}/storage/{storage}/content',
      pathParams: { node: 'pve1', storage: 'local' },
      params: { content: 'iso' },
    });
    const volid = /local:iso\/[^"|\s]+/.exec(vol.text)?.[0];
    expect(volid).toBeTruthy();
    const one = await read(rt, {
      path: '/nodes/{node}/storage/{storage}/content/{volume}',
      pathParams: { node: 'pve1', storage: 'local', volume: volid! },
    });
    expect(one.isError).toBeFalsy();
  });

  it('reads a volume written into a concrete path, slash and all', async () => {
    const list = await read(rt, { path: '/nodes/pve1/storage/local/content', params: { content: 'iso' }, fields: ['volid'] });
    const volid = /local:iso\/\S+/.exec(list.text)![0];
    const one = await read(rt, { path: `/nodes/pve1/storage/local/content/${volid}` });
    expect(one.isError).toBeFalsy();
    expect(one.structured).toMatchObject({ path: '/nodes/{node}/storage/{storage}/content/{volume}' });
  });

  it('takes a query string in the path as parameters, and refuses other hosts', async () => {
    const viaQuery = await read(rt, { path: '/cluster/resources?type=node', fields: ['node'] });
    expect(viaQuery.text).toMatch(/pve1/);
    expect(viaQuery.text).not.toMatch(/web01/);
    expect(await failure(read(rt, { path: '/cluster/resources?type=node', params: { type: 'vm' } }))).toMatch(
      /both in the path's query string and in params/,
    );
    expect(await failure(read(rt, { path: 'https://evil.example:8006/api2/json/version' }))).toMatch(/talks only to 127\.0\.0\.1/);
    expect((await read(rt, { path: `${sim.url}/api2/json/version` })).text).toMatch(/"version"/);
  });

  it('waits for a task and reports its end; wait:false returns the UPID', async () => {
    const done = await api(rt, { path: '/nodes/pve2/qemu/105/status/start', method: 'POST' });
    expect(done.text).toMatch(/task finished: OK/);
    expect(done.text).toMatch(/UPID:pve2:/);
    expect((await read(rt, { path: '/nodes/pve2/qemu/105/status/current' })).text).toMatch(/running/);
    const quick = await api(rt, { path: '/nodes/pve1/qemu/100/snapshot', method: 'POST', params: { snapname: 'nowait' }, wait: false });
    expect(quick.text).toMatch(/^"?UPID:pve1:[0-9A-F]{8}:/m);
  });

  it('reports a failed task with the end of its log', async () => {
    sim.faults.failTasks.set('qmsnapshot', 'snapshot feature is not available');
    const out = await api(rt, { path: '/nodes/pve3/qemu/108/snapshot', method: 'POST', params: { snapname: 'willfail' } });
    expect(out.isError).toBe(true);
    expect(out.text).toMatch(/FAILED/);
    expect(out.text).toMatch(/snapshot feature is not available/);
  });

  it('answers a destructive call with a preview and a token, and runs it once the token comes back', async () => {
    const msg = await failure(api(rt, { path: '/nodes/pve1/qemu/101/status/stop', method: 'POST' }));
    expect(msg).toMatch(/^NOT RUN: /);
    expect(msg).toMatch(/POST \/nodes\/pve1\/qemu\/101\/status\/stop/);
    expect(msg.split('\n').at(-1)).toMatch(/^confirm: "[^"]+"$/);
    expect(await failure(api(rt, { path: '/nodes/pve1/qemu/101/status/stop', method: 'POST', confirm: true }))).toMatch(
      /confirm: true is not enough/,
    );
    expect((await read(rt, { path: '/nodes/pve1/qemu/101/status/current' })).text).toMatch(/running/);
    const out = await confirmed(rt, { path: '/nodes/pve1/qemu/101/status/stop', method: 'POST' });
    expect(out.text).toMatch(/task finished: OK/);
  });

  it('asks the human through elicitation when the client can, and honours a no', async () => {
    const asked: string[] = [];
    const call: ToolCall = { ...noCall, elicitConfirm: async (m) => (asked.push(m), false) };
    const elicitRt = runtimeFor(sim, { PROXMOX_CONFIRM: 'elicit' });
    try {
      const msg = await failure(api(elicitRt, { path: '/nodes/pve1/qemu/100/status/stop', method: 'POST' }, call));
      expect(msg).toMatch(/did not confirm/);
      expect(asked[0]).toMatch(/POST \/nodes\/pve1\/qemu\/100\/status\/stop/);
      expect((await read(rt, { path: '/nodes/pve1/qemu/100/status/current' })).text).toMatch(/running/);
    } finally {
      elicitRt.close();
    }
  });

  it("refuses before sending what a read-only token lacks, and passes the node's 403 through when its privileges are unknown", async () => {
    const ro = runtimeFor(sim, { PROXMOX_CONFIRM: 'off' }, sim.tokens.readonly);
    try {
      const msg = await failure(api(ro, { path: '/nodes/pve1/qemu/100/status/reboot', method: 'POST' }));
      expect(msg).toMatch(
        /^refused before sending: POST \/nodes\/pve1\/qemu\/100\/status\/reboot: the API token lacks VM\.PowerMgmt on \/vms\/100/,
      );
    } finally {
      ro.close();
    }
    sim.faults.errorOn({ method: 'GET', path: '/access/permissions', status: 500, reason: 'unavailable' });
    const unknown = runtimeFor(sim, { PROXMOX_CONFIRM: 'off' }, sim.tokens.readonly);
    try {
      const msg = await failure(api(unknown, { path: '/nodes/pve1/qemu/100/status/reboot', method: 'POST' }));
      expect(msg).toMatch(/403/);
      expect(msg).toMatch(/VM\.PowerMgmt/);
    } finally {
      unknown.close();
    }
  });

  it('refuses writes in read-only mode and what a deny rule names', async () => {
    const ro = runtimeFor(sim, { PROXMOX_READONLY: 'true' });
    const deny = runtimeFor(sim, { PROXMOX_DENY: 'DELETE /nodes/*/qemu/*', PROXMOX_CONFIRM: 'off' });
    try {
      expect(await failure(api(ro, { path: '/nodes/pve1/qemu/100/status/start', method: 'POST' }))).toMatch(/refused/);
      const msg = await failure(api(deny, { path: '/nodes/pve1/qemu/111', method: 'DELETE' }));
      expect(msg).toMatch(/DELETE \/nodes\/\*\/qemu\/\*/);
      expect((await read(deny, { path: '/nodes/pve3/qemu/111/status/current' })).isError).toBeFalsy();
    } finally {
      ro.close();
      deny.close();
    }
  });

  it('filters, picks fields, sorts and limits list answers', async () => {
    const out = await read(rt, {
      path: '/cluster/resources',
      params: { type: 'vm' },
      filter: ['type=lxc', 'status=running'],
      fields: ['vmid', 'name'],
      sort: '-vmid',
      limit: 2,
    });
    expect(out.text).toMatch(/205/);
    expect(out.text).toMatch(/203/);
    expect(out.text).not.toMatch(/201|200|\bnode\b/);
  });
});

describe.skipIf(!existsSync(shared))(`big answers and a schema file (${needsNote(shared)})`, () => {
  let sim: SimulatorHandle;
  let rt: Runtime;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, extraGuests: 2000 });
    rt = runtimeFor(sim, { PROXMOX_SCHEMA_FILE: shared });
  });
  afterAll(async () => {
    rt?.close();
    await sim?.close();
  });

  it('keeps /cluster/resources of a 2,000-guest cluster within the budget and says how to narrow', async () => {
    const out = await read(rt, { path: '/cluster/resources' });
    expect(out.text.length / 4).toBeLessThan(4000 * 1.1);
    expect(out.text).toMatch(/left out/);
    expect(out.text).toMatch(/filter/);
    const exact = await read(rt, {
      path: '/cluster/resources',
      params: { type: 'vm' },
      filter: ['name~vm-000'],
      fields: ['vmid', 'name'],
      limit: 5,
    });
    expect(exact.text).not.toMatch(/left out/);
    expect(exact.text.match(/vm-000\d/g)?.length).toBe(5);
  });
});

describe.skipIf(!existsSync(shared))("values for people, by the schema's renderer hints", () => {
  let sim: SimulatorHandle;
  let rt: Runtime;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    rt = runtimeFor(sim, { PROXMOX_SCHEMA_FILE: shared });
  });
  afterAll(async () => {
    rt?.close();
    await sim?.close();
  });

  it('shows sizes, durations and percentages in the text, keeps raw numbers in structured content', async () => {
    const out = await read(rt, {
      path: '/cluster/resources',
      params: { type: 'vm' },
      filter: ['vmid=101'],
      fields: ['vmid', 'maxmem', 'uptime', 'cpu'],
    });
    expect(out.text).toMatch(/^101\t8 GiB\t\d+h( \d+m)?\t\d+(\.\d)?%$/m);
    const row = (out.structured?.data as Array<Record<string, unknown>>)[0];
    expect(row.maxmem).toBe(8 * 2 ** 30);
    expect(typeof row.uptime).toBe('number');
    expect(typeof row.cpu).toBe('number');
  });

  it('filters and sorts on the raw values, sizes with units compared as bytes', async () => {
    const all = (await read(rt, { path: '/cluster/resources', params: { type: 'vm' }, fields: ['vmid', 'maxmem'] })).structured
      ?.data as Array<{ vmid: number; maxmem: number }>;
    const big = await read(rt, {
      path: '/cluster/resources',
      params: { type: 'vm' },
      filter: ['maxmem>=4GiB'],
      sort: '-maxmem',
      fields: ['vmid', 'maxmem'],
    });
    const rows = big.structured?.data as Array<{ vmid: number; maxmem: number }>;
    expect(rows.length).toBe(all.filter((r) => r.maxmem >= 4 * 2 ** 30).length);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.maxmem)).toEqual([...rows.map((r) => r.maxmem)].sort((a, b) => b - a));
    expect(big.text).toMatch(/GiB/);
  });

  it('renders the single object a status read returns', async () => {
    const out = await read(rt, { path: '/nodes/pve1/qemu/100/status/current', fields: ['status', 'maxmem', 'uptime', 'lock'] });
    expect(out.text).toMatch(/"maxmem":"\d+(\.\d)? GiB"/);
    expect(out.text).toMatch(/not in this answer: lock/);
    expect((out.structured?.data as Record<string, unknown>).maxmem).toEqual(expect.any(Number));
  });
});

describe('answers that are empty', () => {
  it('say whether a list was empty before the filter, and print no stray [] or null', async () => {
    const sim = await startSimulator({ quiet: true, taskDurationMs: 50 });
    const rt = runtimeFor(sim);
    try {
      const empty = await read(rt, { path: '/cluster/mapping/pci', filter: ['id!=x'] });
      expect(empty.text).toBe('no records: the list is empty even before filtering');
      const none = await read(rt, { path: '/cluster/resources', filter: ['vmid=999999'] });
      expect(none.text).toMatch(/^0 of \d+ records matched the filter$/);
      const write = await api(rt, { path: '/cluster/ha/resources', method: 'POST', params: { sid: 'vm:102', state: 'started' } });
      // After the note on its local disks (api-advice.test.ts), the answer itself.
      expect(write.text.split('\n').at(-1)).toBe('done (Proxmox returned no data)');
      expect(write.text).not.toMatch(/\[\]|\bnull\b/);
    } finally {
      rt.close();
      await sim.close();
    }
  });
});

describe('a refused operation (403)', () => {
  it("names PVE's words and the privilege the operation needs from the schema", async () => {
    const sim = await startSimulator({ quiet: true, taskDurationMs: 50 });
    // With its privileges unreadable the server says nothing beforehand and the node decides.
    sim.faults.errorOn({ method: 'GET', path: '/access/permissions', status: 500, reason: 'unavailable' });
    const rt = runtimeFor(sim, {}, sim.tokens.readonly);
    try {
      const msg = await failure(api(rt, { path: '/nodes/pve1/qemu/100/snapshot', method: 'POST', params: { snapname: 'nope' } }));
      expect(msg).toMatch(/403/);
      expect(msg).toMatch(/Permission check failed/);
      expect(msg).toMatch(/POST \/nodes\/\{node\}\/qemu\/\{vmid\}\/snapshot requires: VM\.Snapshot on \/vms\/\{vmid\}/);
      expect(msg).toMatch(/PUT \/access\/acl/);
    } finally {
      rt.close();
      await sim.close();
    }
  });
});

describe('without any schema', () => {
  let sim: SimulatorHandle;
  let rt: Runtime;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    rt = runtimeFor(sim, { PROXMOX_SCHEMA_FILE: '/nonexistent/apidoc.js' });
  });
  afterAll(async () => {
    rt?.close();
    await sim?.close();
  });

  it('still calls, with a note saying the call was not validated and how to fix it', async () => {
    const out = await read(rt, { path: '/version' });
    expect(out.text).toMatch(/unvalidated/);
    expect(out.text).toMatch(/PROXMOX_SCHEMA_FILE/);
    expect(out.text).toMatch(/"version"/);
  });

  it('never lets a dot-dot segment climb out of the path', async () => {
    expect(await failure(read(rt, { path: '/nodes/pve1/../../access/users' }))).toMatch(/not allowed/);
  });
});

describe('audit log', () => {
  it('records writes as JSON lines without secrets', async () => {
    const sim = await startSimulator({ quiet: true, taskDurationMs: 50 });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'audit-')), 'audit.jsonl');
    const rt = runtimeFor(sim, { PROXMOX_AUDIT_LOG: file });
    try {
      await api(rt, { path: '/nodes/pve1/qemu/100/snapshot', method: 'POST', params: { snapname: 'audited' } });
      await read(rt, { path: '/version' });
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ tool: 'proxmox-api', method: 'POST', status: 'ok' });
      expect(lines[0].upid).toMatch(/^UPID:pve1:/);
      expect(readFileSync(file, 'utf8')).not.toContain(sim.tokens.admin.split('=')[1]);
    } finally {
      rt.close();
      await sim.close();
    }
  });
});

describe('an offline node', () => {
  it('passes partial cluster-wide data on with a note', async () => {
    const sim = await startSimulator({ quiet: true });
    const rt = runtimeFor(sim);
    try {
      sim.faults.offlineNodes.add('pve3');
      const out = await read(rt, { path: '/cluster/resources' });
      expect(out.isError).toBeFalsy();
      expect(out.text).toMatch(/partial answer: node pve3 offline/);
      expect(out.text).toMatch(/web01/);
      const nodes = await read(rt, { path: '/nodes' });
      expect(nodes.text).toMatch(/node pve3 offline/);
      const direct = await failure(read(rt, { path: '/nodes/pve3/qemu' }));
      expect(direct).toMatch(/595/);
    } finally {
      rt.close();
      await sim.close();
    }
  });
});

describe('policy in discovery and the audit log', () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, taskDurationMs: 50 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('marks operations the policy refuses, so the model does not try them', async () => {
    const rt = runtimeFor(sim, { PROXMOX_DENY: 'DELETE /nodes/*/qemu/*' });
    const ro = runtimeFor(sim, { PROXMOX_READONLY: 'true' });
    try {
      const schema = (r: Runtime, args: Record<string, unknown>) => apiSchemaTool.run(apiSchemaTool.input.parse(args), r, noCall);
      const list = (await schema(rt, { path: '/nodes/{node}/qemu/{vmid}' })).text;
      expect(list).toMatch(/DELETE \/nodes\/\{node\}\/qemu\/\{vmid\}\s+\[refused\]/);
      expect(list).not.toMatch(/GET \/nodes\/\{node\}\/qemu\/\{vmid\}\s+\[refused\]/);
      const detail = (await schema(rt, { path: '/nodes/{node}/qemu/{vmid}', method: 'DELETE' })).text;
      expect(detail).toMatch(/REFUSED here: .*DELETE \/nodes\/\*\/qemu\/\*/);
      const found = (await schema(ro, { query: 'start a virtual machine' })).text;
      expect(found.split('\n')[0]).toMatch(/^POST .*\[refused\]/);
    } finally {
      rt.close();
      ro.close();
    }
  });

  it('records refused writes and commands', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'audit-')), 'audit.jsonl');
    const rt = runtimeFor(sim, { PROXMOX_AUDIT_LOG: file, PROXMOX_DENY: '* /nodes/*/qemu/*/agent/**' });
    try {
      await failure(api(rt, { path: '/nodes/pve1/qemu/100/status/stop', method: 'POST' })); // needs confirm
      await failure(vmCommandTool.run(vmCommandTool.input.parse({ node: 'pve1', vmid: 100, command: 'id -u', confirm: true }), rt, noCall));
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => [l.tool, l.status])).toEqual([
        ['proxmox-api', 'refused'],
        ['proxmox-execute-vm-command', 'refused'],
      ]);
      expect(lines[1].error).toMatch(/PROXMOX_DENY/);
    } finally {
      rt.close();
    }
  });
});

describe("values for people in the demo, from the simulator's own schema", () => {
  let sim: SimulatorHandle;
  let rt: Runtime;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    rt = runtimeFor(sim);
  });
  afterAll(async () => {
    rt?.close();
    await sim?.close();
  });

  it('renders sizes, durations, percentages and times where PVE marks them, raw numbers stay structured', async () => {
    const vms = await read(rt, {
      path: '/cluster/resources',
      params: { type: 'vm' },
      filter: ['vmid=101'],
      fields: ['vmid', 'maxmem', 'uptime', 'cpu'],
    });
    expect(vms.text).toMatch(/^101\t8 GiB\t\d+h( \d+m)?\t\d+(\.\d)?%$/m);
    expect((vms.structured?.data as Array<Record<string, unknown>>)[0].maxmem).toBe(8 * 2 ** 30);
    const storage = await read(rt, { path: '/nodes/pve1/storage', fields: ['storage', 'total', 'used_fraction'] });
    expect(storage.text).toMatch(/\t\d+(\.\d)? [KMGT]iB\t\d+(\.\d)?%/);
    const tasks = await read(rt, { path: '/cluster/tasks', fields: ['starttime'], limit: 1 });
    expect(tasks.text).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  });

  it("renders a node status's nested sizes, which PVE describes in words rather than marks", async () => {
    const status = await read(rt, { path: '/nodes/pve1/status' });
    expect(status.text).toMatch(/"memory":\{"total":"64 GiB","used":"\d+(\.\d)? GiB"/);
    expect(status.text).toMatch(/"rootfs":\{"total":"\d+(\.\d)? GiB"/);
    expect(status.text).toMatch(/"uptime":"\d+d( \d+h)?"/);
    const raw = status.structured?.data as { memory: { total: number } };
    expect(raw.memory.total).toBe(64 * 2 ** 30);
    // A volume's creation time, described as seconds since the epoch.
    const isos = await read(rt, { path: '/nodes/pve1/storage/local/content', params: { content: 'iso' }, fields: ['ctime'], limit: 1 });
    expect(isos.text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
  });
});
