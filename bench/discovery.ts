/**
 * Discovery benchmark: how well `proxmox-api-schema` finds the operation for a plain-language task,
 * and how many tokens its answers cost. Run: npx tsx bench/discovery.ts
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { parseApidoc } from '../src/schema/apidoc.js';
import { Catalog } from '../src/schema/catalog.js';
import { OperationSearch } from '../src/schema/search.js';
import { answer, searchCatalog } from '../src/schema/discovery.js';
import { OWN_QUESTIONS } from '../test/schema/own-questions.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = path.resolve(repoRoot, '../shared');

export interface DiscoveryResult {
  recallAt1: number;
  recallAt5: number;
  medianAnswerTokens: number;
  schemaLoadMs: number;
  /** Building the search index, and one query on average. */
  indexBuildMs: number;
  queryMs: number;
  /** The project's own questions (test/schema/own-questions.ts), worded apart from the benchmark. */
  own: { recallAt1: number; recallAt5: number; misses: string[] };
  misses: string[];
}

export async function benchDiscovery(): Promise<DiscoveryResult> {
  const schemaFile = path.join(sharedDir, 'pve-apidoc', 'pve-9.2-apidoc.json');
  const tasksFile = path.join(sharedDir, 'bench', 'discovery-tasks.json');
  const started = performance.now();
  const catalog = Catalog.fromApidoc(parseApidoc(readFileSync(schemaFile, 'utf8')), { version: '9.2' });
  const schemaLoadMs = performance.now() - started;
  const tasks = JSON.parse(readFileSync(tasksFile, 'utf8')) as Array<{ q: string; a: string[] }>;

  let at1 = 0;
  let at5 = 0;
  const misses: string[] = [];
  const tokens: number[] = [];
  for (const task of tasks) {
    const got = searchCatalog(catalog, task.q, 5).map((op) => `${op.method} ${op.path}`);
    const rank = got.findIndex((g) => task.a.includes(g));
    if (rank === 0) at1++;
    if (rank >= 0) at5++;
    if (rank !== 0) misses.push(`${rank < 0 ? 'miss' : `#${rank + 1}`}: ${task.q} -> want ${task.a[0]}, got ${got[0] ?? 'nothing'}`);
    tokens.push(countTokens(answer(catalog, { query: task.q }).text));
  }
  const builtAt = performance.now();
  const search = new OperationSearch(catalog);
  search.search('warm up');
  const indexBuildMs = performance.now() - builtAt;
  let own1 = 0;
  let own5 = 0;
  const ownMisses: string[] = [];
  const queryAt = performance.now();
  for (const t of OWN_QUESTIONS) {
    const got = search.search(t.q, 5).map((h) => `${h.op.method} ${h.op.path}`);
    const rank = got.findIndex((g) => t.a.includes(g));
    if (rank === 0) own1++;
    if (rank >= 0) own5++;
    if (rank !== 0) ownMisses.push(`${rank < 0 ? 'miss' : `#${rank + 1}`}: ${t.q} -> want ${t.a[0]}, got ${got[0] ?? 'nothing'}`);
  }
  const queryMs = (performance.now() - queryAt) / OWN_QUESTIONS.length;
  return {
    recallAt1: at1 / tasks.length,
    recallAt5: at5 / tasks.length,
    medianAnswerTokens: median(tokens),
    schemaLoadMs: Math.round(schemaLoadMs * 10) / 10,
    indexBuildMs: Math.round(indexBuildMs * 10) / 10,
    queryMs: Math.round(queryMs * 100) / 100,
    own: { recallAt1: own1 / OWN_QUESTIONS.length, recallAt5: own5 / OWN_QUESTIONS.length, misses: ownMisses },
    misses,
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchDiscovery();
  console.log(`recall@1 ${r.recallAt1.toFixed(3)}  recall@5 ${r.recallAt5.toFixed(3)}  (targets 0.8 / 0.95)`);
  console.log(`median answer tokens ${r.medianAnswerTokens}  (target <= 400)`);
  console.log(`schema load ${r.schemaLoadMs} ms, index build ${r.indexBuildMs} ms, query ${r.queryMs} ms`);
  if (r.misses.length) console.log(`not first:\n  ${r.misses.join('\n  ')}`);
  console.log(`own questions (${OWN_QUESTIONS.length}): recall@1 ${r.own.recallAt1.toFixed(3)}  recall@5 ${r.own.recallAt5.toFixed(3)}`);
  if (r.own.misses.length) console.log(`not first:\n  ${r.own.misses.join('\n  ')}`);
}
