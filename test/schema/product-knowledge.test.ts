import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseApidoc } from '../../src/schema/apidoc.js';
import { Catalog } from '../../src/schema/catalog.js';
import { knowledgeFor } from '../../src/schema/knowledge/index.js';
import { OperationSearch } from '../../src/schema/search.js';
import { needsNote, sharedPath } from '../reference-data.js';

const files = { pbs: sharedPath('pve-apidoc', 'pbs-4.2-apidoc.json'), pdm: sharedPath('pve-apidoc', 'pdm-1.1-apidoc.json') } as const;

// Wordings of our own, none from bench/products: the product's words lead to the product's operations.
const ASKS = {
  pbs: [
    ['free up space on the datastore store1 by cleaning unused chunks', 'GET /admin/datastore/{store}/gc'],
    ['check the backups on store1 for corruption', 'POST /admin/datastore/{store}/verify'],
    ['list the backup groups in store1', 'GET /admin/datastore/{store}/groups'],
    ['set up a sync job pulling from the other backup server', 'POST /config/sync'],
  ],
  pdm: [
    ['list the remotes this manager knows', 'GET /remotes'],
    ['add a PVE cluster as a remote', 'POST /remotes/remote'],
  ],
} as const;

for (const product of ['pbs', 'pdm'] as const) {
  describe.skipIf(!existsSync(files[product]))(
    `discovery with ${product.toUpperCase()}'s own knowledge (${needsNote(files[product])})`,
    () => {
      const catalog = existsSync(files[product])
        ? Catalog.fromApidoc(parseApidoc(readFileSync(files[product], 'utf8')), { product })
        : undefined!;
      const search = existsSync(files[product]) ? new OperationSearch(catalog) : undefined!;

      it('searches with the product of its schema, and every recipe step exists there', () => {
        expect(knowledgeFor(product).product).toBe(product);
        expect(knowledgeFor(product).concepts.length).toBeGreaterThan(5);
        for (const r of search.recipes.recipes) for (const s of r.steps) expect(catalog.get(s.op.method, s.op.path)).toBe(s.op);
        expect(search.recipes.recipes.length).toBeGreaterThan(0);
      });

      it.each(ASKS[product].map(([q, want]) => [q, want]))('"%s" finds %s in the first five', (q, want) => {
        expect(search.search(q, 5).map((h) => `${h.op.method} ${h.op.path}`)).toContain(want);
      });
    },
  );
}

it('a product name is never looked up through the prototype', () => {
  expect(knowledgeFor('constructor')).toEqual({ product: 'constructor', concepts: [], recipes: [] });
  expect(knowledgeFor('__proto__').concepts).toEqual([]);
});
