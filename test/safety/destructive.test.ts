import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DESTRUCTIVE_RULES, isDestructive } from '../../src/safety/destructive.js';
import { parseRule, ruleMatches } from '../../src/safety/pattern.js';
import { apidocFile, haveShared, needsNote } from '../reference-data.js';

const schemaFile = apidocFile;

interface Node {
  path: string;
  info?: Record<string, unknown>;
  children?: Node[];
}

function operations(version: string): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  const walk = (nodes: Node[]) => {
    for (const n of nodes) {
      for (const method of Object.keys(n.info ?? {})) out.push({ method, path: n.path });
      if (n.children) walk(n.children);
    }
  };
  walk(JSON.parse(readFileSync(schemaFile(version), 'utf8')) as Node[]);
  return out;
}

describe('isDestructive: named operations', () => {
  const yes: Array<[string, string, Record<string, unknown>?, RegExp?]> = [
    ['POST', '/nodes/{node}/qemu/{vmid}/status/stop', undefined, /stops/],
    ['POST', '/nodes/pve1/lxc/101/status/stop'],
    ['POST', '/nodes/{node}/qemu/{vmid}/status/reset'],
    ['POST', '/nodes/{node}/qemu/{vmid}/status/shutdown'],
    ['POST', '/nodes/{node}/lxc/{vmid}/status/reboot'],
    ['POST', '/nodes/{node}/qemu/{vmid}/status/suspend', { todisk: 1 }, /hibernate/],
    ['POST', '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback', undefined, /reverts to the snapshot/],
    ['POST', '/nodes/{node}/status', { command: 'reboot' }],
    ['POST', '/nodes/{node}/stopall'],
    ['POST', '/nodes/{node}/migrateall'],
    ['PUT', '/nodes/{node}/disks/wipedisk', { disk: '/dev/sdb' }, /wipes/],
    ['POST', '/nodes/{node}/disks/initgpt'],
    ['DELETE', '/nodes/{node}/disks/zfs/{name}'],
    ['DELETE', '/nodes/{node}/storage/{storage}/content/{volume}', undefined, /deletes the volume/],
    ['POST', '/nodes/{node}/qemu', { vmid: 100, archive: 'local:backup/x.vma.zst', force: 1 }, /restores over/],
    ['POST', '/nodes/{node}/lxc', { vmid: 100, ostemplate: 'x', restore: 1, force: true }],
    ['POST', '/cluster/ha/status/disarm-ha'],
    ['POST', '/cluster/ha/status/arm-ha'],
    ['POST', '/nodes/{node}/execute'],
    ['POST', '/nodes/{node}/services/{service}/stop'],
    ['POST', '/nodes/{node}/services/{service}/restart'],
    ['DELETE', '/nodes/{node}/tasks/{upid}', undefined, /stops the task/],
    ['DELETE', '/pools/{poolid}'],
    ['DELETE', '/pools', { poolid: 'x' }],
    ['DELETE', '/nodes/{node}/certificates/acme/certificate', undefined, /revokes/],
    ['POST', '/cluster/config/join'],
    ['POST', '/nodes/{node}/qemu/{vmid}/agent/exec'],
    ['POST', '/nodes/{node}/qemu/{vmid}/agent', { command: 'shutdown' }],
    ['PUT', '/nodes/{node}/qemu/{vmid}/config', { delete: 'unused0' }, /destroys disk volumes/],
    ['POST', '/nodes/{node}/qemu/{vmid}/move_disk', { disk: 'scsi0', storage: 'b', delete: '1' }],
    ['POST', '/nodes/{node}/vzdump', { vmid: '100', mode: 'stop' }],
    ['PUT', '/cluster/ha/resources/{sid}', { state: 'stopped' }],
    ['PUT', '/access/users/{userid}/token/{tokenid}', { regenerate: true }],
  ];
  it.each(yes)('%s %s is destructive', (method, p, params, why) => {
    const v = isDestructive(method, p, params);
    expect(v.destructive).toBe(true);
    expect(v.why).toBeTruthy();
    if (why) expect(v.why).toMatch(why);
  });

  const no: Array<[string, string, Record<string, unknown>?]> = [
    ['POST', '/nodes/{node}/qemu/{vmid}/status/start'],
    ['POST', '/nodes/{node}/qemu/{vmid}/status/resume'],
    ['POST', '/nodes/{node}/qemu/{vmid}/snapshot'],
    ['POST', '/nodes/{node}/qemu', { vmid: 100, memory: 2048 }],
    ['POST', '/nodes/{node}/qemu', { vmid: 100, archive: 'local:backup/x.vma.zst', force: 0 }],
    ['PUT', '/nodes/{node}/qemu/{vmid}/config', { memory: 4096, delete: 'net1' }],
    ['POST', '/nodes/{node}/qemu/{vmid}/agent', { command: 'ping' }],
    ['POST', '/nodes/{node}/qemu/{vmid}/move_disk', { disk: 'scsi0', storage: 'b' }],
    ['POST', '/nodes/{node}/vzdump', { vmid: '100', mode: 'snapshot' }],
    ['PUT', '/cluster/ha/resources/{sid}', { state: 'started' }],
    ['POST', '/nodes/{node}/services/{service}/start'],
    ['POST', '/nodes/{node}/startall'],
    ['POST', '/pools', { poolid: 'x' }],
  ];
  it.each(no)('%s %s is not destructive', (method, p, params) => {
    expect(isDestructive(method, p, params)).toEqual({ destructive: false });
  });
});

describe.skipIf(!haveShared(schemaFile('9.2')))(`isDestructive against the real schemas (${needsNote(schemaFile('9.2'))})`, () => {
  // Read when the tests run, not while they are collected: a skipped block is still collected.
  let ops92: Array<{ method: string; path: string }> = [];
  beforeAll(() => {
    ops92 = operations('9.2');
  });

  it('finds every DELETE of PVE 9.2 destructive, on templates and on concrete paths', () => {
    const deletes = ops92.filter((o) => o.method === 'DELETE');
    expect(deletes.length).toBeGreaterThan(70);
    for (const op of deletes) {
      expect(isDestructive('DELETE', op.path), op.path).toMatchObject({ destructive: true });
      const concrete = op.path.replace(/\{[^}]+\}/g, 'x1');
      expect(isDestructive('DELETE', concrete), concrete).toMatchObject({ destructive: true });
    }
  });

  it('never finds a GET destructive', () => {
    for (const op of ops92.filter((o) => o.method === 'GET')) {
      expect(isDestructive('GET', op.path, { force: 1, delete: 'unused0' }).destructive, op.path).toBe(false);
    }
  });

  it('has no rule that matches nothing in any PVE version (a typo would silently never ask)', () => {
    const all = ['7.4', '8.4', '9.2'].filter((v) => existsSync(schemaFile(v))).flatMap(operations);
    for (const r of DESTRUCTIVE_RULES) {
      const rule = parseRule(r.rule, 'test');
      expect(
        all.some((op) => ruleMatches(rule, op.method, op.path)),
        r.rule,
      ).toBe(true);
    }
  });

  it('keeps the share of plain POST/PUT calls that ask small, so confirmations stay meaningful', () => {
    const writes = ops92.filter((o) => o.method === 'POST' || o.method === 'PUT');
    const asking = writes.filter((o) => isDestructive(o.method, o.path, {}).destructive);
    expect(asking.length).toBeGreaterThan(40);
    expect(asking.length / writes.length).toBeLessThan(0.35);
  });
});

describe('isDestructive: values in the concrete path', () => {
  it('asks before pausing Ceph, known from the concrete path or the flag parameter', () => {
    expect(isDestructive('PUT', '/cluster/ceph/flags/{flag}', { value: 1 }, '/cluster/ceph/flags/pause').destructive).toBe(true);
    expect(isDestructive('PUT', '/cluster/ceph/flags/{flag}', { flag: 'pause', value: true }).destructive).toBe(true);
    expect(isDestructive('PUT', '/cluster/ceph/flags/{flag}', { value: 1 }, '/cluster/ceph/flags/noout').destructive).toBe(false);
    expect(isDestructive('PUT', '/cluster/ceph/flags/{flag}', { value: 0 }, '/cluster/ceph/flags/pause').destructive).toBe(false);
  });
});
