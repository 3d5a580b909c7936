/**
 * Discovery on Proxmox Backup Server and Datacenter Manager schemas: recall of requests written for
 * this project (bench/products/*-requests.json), each with the operations that answer it. The requests
 * are split once by the first byte of SHA-256(q), even for tuning and odd held out (the rule of the PVE
 * evaluation set); the held-out half is reported apart and never tuned on. Run: npx tsx bench/products.ts
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseApidoc } from '../src/schema/apidoc.js';
import { Catalog } from '../src/schema/catalog.js';
import { OperationSearch } from '../src/schema/search.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = path.resolve(process.env.PROXMOX_MCP_REFERENCE_DIR || path.join(repoRoot, '../shared'));

export interface Request {
  q: string;
  a: string[];
}

export interface ProductFigures {
  product: 'pbs' | 'pdm';
  tuning: { count: number; recallAt1: number; recallAt5: number; misses: string[] };
  heldout: { count: number; recallAt1: number; recallAt5: number; misses: string[] };
}

const SCHEMAS = { pbs: 'pbs-4.2-apidoc.json', pdm: 'pdm-1.1-apidoc.json' } as const;

export const isHeldOut = (q: string): boolean => createHash('sha256').update(q).digest()[0] % 2 === 1;

export function loadRequests(product: 'pbs' | 'pdm'): Request[] {
  return JSON.parse(readFileSync(path.join(repoRoot, 'bench', 'products', `${product}-requests.json`), 'utf8')) as Request[];
}

function score(search: OperationSearch, requests: Request[]) {
  let at1 = 0;
  let at5 = 0;
  const misses: string[] = [];
  for (const r of requests) {
    const got = search.search(r.q, 5).map((h) => `${h.op.method} ${h.op.path}`);
    const rank = got.findIndex((g) => r.a.includes(g));
    if (rank === 0) at1++;
    if (rank >= 0) at5++;
    if (rank !== 0) misses.push(`${rank < 0 ? 'miss' : `#${rank + 1}`}: ${r.q} -> want ${r.a[0]}, got ${got[0] ?? 'nothing'}`);
  }
  return { count: requests.length, recallAt1: at1 / requests.length, recallAt5: at5 / requests.length, misses };
}

export function benchProduct(product: 'pbs' | 'pdm'): ProductFigures {
  const catalog = Catalog.fromApidoc(parseApidoc(readFileSync(path.join(sharedDir, 'pve-apidoc', SCHEMAS[product]), 'utf8')), { product });
  const search = new OperationSearch(catalog);
  const requests = loadRequests(product);
  return {
    product,
    tuning: score(
      search,
      requests.filter((r) => !isHeldOut(r.q)),
    ),
    heldout: score(
      search,
      requests.filter((r) => isHeldOut(r.q)),
    ),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const product of ['pbs', 'pdm'] as const) {
    const r = benchProduct(product);
    for (const half of ['tuning', 'heldout'] as const) {
      const f = r[half];
      console.log(
        `${product} ${half} (${f.count}): recall@1 ${f.recallAt1.toFixed(3)}  recall@5 ${f.recallAt5.toFixed(3)}  (target @5 >= 0.9)`,
      );
    }
    if (process.argv.includes('--misses')) console.log(`  ${r.tuning.misses.join('\n  ')}`);
  }
}
