import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseApidoc } from '../../src/schema/apidoc.js';
import { Catalog } from '../../src/schema/catalog.js';
import { OperationSearch } from '../../src/schema/search.js';
import { searchFor } from '../../src/schema/search-cache.js';
import { haveShared, needsNote } from '../reference-data.js';
import { apidocFile, tasksFile } from './shared.js';

const fresh = (version = '9.2') => Catalog.fromApidoc(parseApidoc(readFileSync(apidocFile(version), 'utf8')), { version });
const top5 = (s: OperationSearch, q: string) => s.search(q, 5).map((r) => `${r.op.method} ${r.op.path}`);

const needed = [apidocFile('9.2'), apidocFile('8.4'), tasksFile];
describe.skipIf(!haveShared(...needed))(`prepared search snapshots (${needsNote(needed.find((f) => !existsSync(f)) ?? tasksFile)})`, () => {
  // Read when the tests run: a skipped block is still collected.
  let tasks: Array<{ q: string }> = [];
  beforeAll(() => {
    tasks = JSON.parse(readFileSync(tasksFile, 'utf8')) as Array<{ q: string }>;
  });

  it('answers exactly like a freshly built index after a JSON round trip', () => {
    const catalog = fresh();
    const built = new OperationSearch(catalog);
    const snap = JSON.parse(JSON.stringify(built.toSnapshot()));
    const restored = OperationSearch.fromSnapshot(fresh(), snap);
    expect(restored).toBeDefined();
    for (const { q } of tasks) expect(top5(restored!, q)).toEqual(top5(built, q));
  });

  it('refuses a snapshot of another schema', () => {
    const snap = JSON.parse(JSON.stringify(new OperationSearch(fresh('8.4')).toSnapshot()));
    expect(OperationSearch.fromSnapshot(fresh('9.2'), snap)).toBeUndefined();
    expect(fresh('8.4').fingerprint).not.toBe(fresh('9.2').fingerprint);
    expect(fresh('9.2').fingerprint).toBe(fresh('9.2').fingerprint);
  });

  it('saves the snapshot after the first search and uses it on the next start; a broken one is rebuilt', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pmcp-search-'));
    const first = fresh();
    const want = top5(searchFor(first, dir), 'reboot a container');
    const file = path.join(dir, `search-${first.fingerprint}.json`);
    for (let i = 0; i < 50 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(file)).toBe(true);
    expect(top5(searchFor(fresh(), dir), 'reboot a container')).toEqual(want);
    writeFileSync(file, '{not json');
    expect(top5(searchFor(fresh(), dir), 'reboot a container')).toEqual(want);
  });
});
