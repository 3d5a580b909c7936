import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OperationSearch } from '../../src/schema/search.js';
import { OWN_QUESTIONS } from './own-questions.js';
import { catalogFor, haveApidoc, missingNote, tasksFile } from './shared.js';

function recall(search: OperationSearch, tasks: Array<{ q: string; a: string[] }>) {
  let at1 = 0;
  let at5 = 0;
  const misses: string[] = [];
  for (const t of tasks) {
    const got = search.search(t.q, 5).map((h) => `${h.op.method} ${h.op.path}`);
    const rank = got.findIndex((g) => t.a.includes(g));
    if (rank === 0) at1++;
    if (rank >= 0) at5++;
    else misses.push(`${t.q} -> ${got[0] ?? 'nothing'}`);
  }
  return { at1: at1 / tasks.length, at5: at5 / tasks.length, misses };
}

describe.skipIf(!haveApidoc)(`OperationSearch on PVE 9.2 (${missingNote})`, () => {
  const search = haveApidoc ? new OperationSearch(catalogFor('9.2')) : undefined!;

  it.skipIf(!existsSync(tasksFile))(`meets the benchmark targets (${tasksFile})`, () => {
    const tasks = JSON.parse(readFileSync(tasksFile, 'utf8')) as Array<{ q: string; a: string[] }>;
    const r = recall(search, tasks);
    expect(r.at5, r.misses.join('\n')).toBeGreaterThanOrEqual(0.95);
    expect(r.at1).toBeGreaterThanOrEqual(0.8);
  });

  it('answers questions worded apart from the benchmark', () => {
    const r = recall(search, OWN_QUESTIONS);
    expect(r.at5, r.misses.join('\n')).toBeGreaterThanOrEqual(0.9);
  });

  it('maps Proxmox vocabulary and verbs to operations', () => {
    const top = (q: string) => search.search(q, 1).map((h) => `${h.op.method} ${h.op.path}`)[0];
    expect(top('power on a VM')).toBe('POST /nodes/{node}/qemu/{vmid}/status/start');
    expect(top('enlarge a container disk')).toBe('PUT /nodes/{node}/lxc/{vmid}/resize');
    expect(top('restore snapshot of a container')).toBe('POST /nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback');
    expect(top('remove a user')).toBe('DELETE /access/users/{userid}');
  });

  it('returns nothing for empty or meaningless queries', () => {
    expect(search.search('')).toEqual([]);
    expect(search.search('the of a')).toEqual([]);
    expect(search.search('qqqxxxzzz')).toEqual([]);
  });

  it('honours the limit and sorts by score', () => {
    const hits = search.search('firewall rules', 7);
    expect(hits).toHaveLength(7);
    expect(hits.every((h, i) => i === 0 || hits[i - 1].score >= h.score)).toBe(true);
  });
});
