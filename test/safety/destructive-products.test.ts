import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DESTRUCTIVE_RULES_BY_PRODUCT, isDestructive } from '../../src/safety/destructive.js';
import { parseRule, ruleMatches } from '../../src/safety/pattern.js';
import { haveShared, needsNote, sharedPath } from '../reference-data.js';

const files = { pbs: sharedPath('pve-apidoc', 'pbs-4.2-apidoc.json'), pdm: sharedPath('pve-apidoc', 'pdm-1.1-apidoc.json') } as const;

interface Node {
  path: string;
  info?: Record<string, unknown>;
  children?: Node[];
}

function operations(file: string): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  const walk = (nodes: Node[]) => {
    for (const n of nodes) {
      for (const method of Object.keys(n.info ?? {})) out.push({ method, path: n.path });
      if (n.children) walk(n.children);
    }
  };
  walk(JSON.parse(readFileSync(file, 'utf8')) as Node[]);
  return out;
}

describe('destructive rules of PBS and PDM, without their schemas', () => {
  it('asks before what removes backups, keys and remotes', () => {
    const pbs = (m: string, p: string, params?: Record<string, unknown>) => isDestructive(m, p, params, undefined, 'pbs');
    expect(pbs('DELETE', '/admin/datastore/store1/snapshots').why).toMatch(/forgets/);
    expect(pbs('DELETE', '/admin/datastore/{store}/groups').why).toMatch(/group with all its snapshots/);
    expect(pbs('DELETE', '/admin/datastore/store1/namespace').destructive).toBe(true);
    expect(pbs('POST', '/admin/datastore/store1/prune', { 'keep-last': 1 }).destructive).toBe(true);
    expect(pbs('POST', '/admin/datastore/store1/prune', { 'keep-last': 1, 'dry-run': 1 }).destructive).toBe(false);
    expect(pbs('POST', '/admin/datastore/store1/prune-datastore', { 'dry-run': 'true' }).destructive).toBe(false);
    expect(pbs('DELETE', '/config/encryption-keys/abc').why).toMatch(/cannot be restored/);
    expect(pbs('DELETE', '/config/remote/offsite').why).toMatch(/removes the remote/);
    expect(pbs('POST', '/pull', { 'remove-vanished': true }).destructive).toBe(true);
    expect(pbs('POST', '/pull', { 'remove-vanished': false }).destructive).toBe(false);
    expect(pbs('GET', '/tape/media/destroy').destructive).toBe(true);
    expect(pbs('GET', '/admin/datastore/store1/snapshots').destructive).toBe(false);
    expect(pbs('POST', '/admin/datastore/store1/verify').destructive).toBe(false);
    expect(pbs('POST', '/admin/datastore/store1/gc').destructive).toBe(false);
    expect(pbs('PUT', '/config/datastore/store1', { 'maintenance-mode': 'type=offline' }).destructive).toBe(true);
    expect(pbs('PUT', '/config/datastore/store1', { comment: 'offline soon' }).destructive).toBe(false);
    const pdm = (m: string, p: string, params?: Record<string, unknown>) => isDestructive(m, p, params, undefined, 'pdm');
    expect(pdm('DELETE', '/remotes/remote/prod').why).toMatch(/removes the remote/);
    expect(pdm('POST', '/pve/remotes/prod/qemu/100/stop').why).toMatch(/stops the guest/);
    expect(pdm('POST', '/pve/remotes/prod/qemu/100/start').destructive).toBe(false);
    expect(pdm('POST', '/pve/remotes/prod/qemu/100/remote-migrate', { delete: 1 }).destructive).toBe(true);
  });

  it('keeps the products apart: a PVE rule does not fire on a PBS path and back', () => {
    expect(isDestructive('GET', '/tape/media/destroy').destructive).toBe(false);
    expect(isDestructive('POST', '/nodes/pve1/stopall', undefined, undefined, 'pbs').destructive).toBe(false);
    expect(isDestructive('POST', '/admin/prune/daily/run', undefined, undefined, 'pbs').destructive).toBe(true);
    expect(isDestructive('POST', '/admin/prune/daily/run').destructive).toBe(false);
  });

  it('ignores hostile parameter objects', () => {
    const hostile = JSON.parse('{"__proto__": {"dry-run": 1}, "constructor": 1}') as Record<string, unknown>;
    expect(isDestructive('POST', '/admin/datastore/s/prune', hostile, undefined, 'pbs').destructive).toBe(true);
  });
});

for (const product of ['pbs', 'pdm'] as const) {
  const file = files[product];
  describe.skipIf(!haveShared(file))(`destructive rules of ${product} against its real schema (${needsNote(file)})`, () => {
    const ops = haveShared(file) ? operations(file) : [];

    it('has no rule that matches nothing (a typo would silently never ask)', () => {
      for (const { rule } of DESTRUCTIVE_RULES_BY_PRODUCT[product]) {
        const parsed = parseRule(rule, 'test');
        expect(
          ops.some((op) => ruleMatches(parsed, op.method, op.path)),
          rule,
        ).toBe(true);
      }
    });

    it('finds every DELETE destructive, and asks for only a small share of POST/PUT', () => {
      for (const op of ops.filter((o) => o.method === 'DELETE'))
        expect(isDestructive(op.method, op.path, {}, undefined, product).destructive, op.path).toBe(true);
      const writes = ops.filter((o) => o.method === 'POST' || o.method === 'PUT');
      const asking = writes.filter((o) => isDestructive(o.method, o.path, {}, undefined, product).destructive);
      expect(asking.length / writes.length).toBeLessThan(0.3);
    });
  });
}
