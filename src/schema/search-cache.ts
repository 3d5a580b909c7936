import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Catalog } from './catalog.js';
import { log } from '../log.js';
import { OperationSearch, type SearchSnapshot } from './search.js';

/** One search per catalog in this process. */
const searches = new WeakMap<Catalog, OperationSearch>();

const snapshotFile = (cacheDir: string, catalog: Catalog) => path.join(cacheDir, `search-${catalog.fingerprint}.json`);

/**
 * The search for a catalog, prepared once per schema and machine: the first start builds the index and
 * saves it beside the schema cache (after answering, so no one waits for the write); later starts load it.
 */
export function searchFor(catalog: Catalog, cacheDir?: string): OperationSearch {
  const known = searches.get(catalog);
  if (known) return known;
  let search: OperationSearch | undefined;
  if (cacheDir) {
    const started = performance.now();
    try {
      search = OperationSearch.fromSnapshot(catalog, JSON.parse(readFileSync(snapshotFile(cacheDir, catalog), 'utf8')) as SearchSnapshot);
      if (search) log.debug(`search index loaded from the cache in ${Math.round(performance.now() - started)} ms`);
    } catch {
      // No snapshot yet, or an unreadable one: build afresh.
    }
  }
  if (!search) {
    const fresh = new OperationSearch(catalog);
    search = fresh;
    if (cacheDir) setTimeout(() => saveSnapshot(fresh, catalog, cacheDir), 50).unref();
  }
  searches.set(catalog, search);
  return search;
}

function saveSnapshot(search: OperationSearch, catalog: Catalog, cacheDir: string): void {
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const file = snapshotFile(cacheDir, catalog);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(search.toSnapshot()));
    renameSync(tmp, file);
  } catch {
    // A read-only or full cache directory only costs the next start the index build.
  }
}
