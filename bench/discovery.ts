/**
 * Discovery benchmark: how well `proxmox-api-schema` finds the operation for a plain-language task,
 * and how many tokens its answers cost. Run: npx tsx bench/discovery.ts
 *
 * Sets: the shared 40 tasks (../shared/bench), the project's own questions (test/schema/own-questions.ts),
 * and the evaluation set in bench/discovery-eval/ (requests in users' own wording: typos, jargon, indirect
 * goals), split once by a hash of the request into a tuning half and a held-out half that is never tuned on.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { parseApidoc } from '../src/schema/apidoc.js';
import { Catalog } from '../src/schema/catalog.js';
import { OperationSearch } from '../src/schema/search.js';
import { answer } from '../src/schema/discovery.js';
import { OWN_QUESTIONS } from '../test/schema/own-questions.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = path.resolve(repoRoot, '../shared');
const evalDir = path.join(repoRoot, 'bench', 'discovery-eval');

export interface Task {
  q: string;
  a: string[];
  kind?: string;
}

export interface SetFigures {
  count: number;
  recallAt1: number;
  recallAt5: number;
  medianAnswerTokens: number;
  misses: string[];
}

export interface DiscoveryResult extends SetFigures {
  schemaLoadMs: number;
  /** Building the search index, and one query on average. */
  indexBuildMs: number;
  queryMs: number;
  /** The project's own questions (test/schema/own-questions.ts), worded apart from the benchmark. */
  own: SetFigures;
  tuning: SetFigures;
  heldout: SetFigures;
  /** The indirect goals of both halves ("find out why vm 5 crashes"). */
  indirectTuning: SetFigures;
  indirectHeldout: SetFigures;
}

export function loadEvalSet(half: 'tuning' | 'heldout'): Task[] {
  return JSON.parse(readFileSync(path.join(evalDir, `${half}.json`), 'utf8')) as Task[];
}

/**
 * Recall of one set: an answer counts when an accepted operation is among the first five the
 * discovery answer lists (the same list the model reads), first when it is the first.
 */
export function scoreSet(catalog: Catalog, tasks: Task[]): SetFigures {
  let at1 = 0;
  let at5 = 0;
  const misses: string[] = [];
  const tokens: number[] = [];
  for (const task of tasks) {
    const ans = answer(catalog, { query: task.q });
    const got = (ans.operations ?? []).slice(0, 5).map((op) => `${op.method} ${op.path}`);
    const rank = got.findIndex((g) => task.a.includes(g));
    if (rank === 0) at1++;
    if (rank >= 0) at5++;
    if (rank !== 0) misses.push(`${rank < 0 ? 'miss' : `#${rank + 1}`}: ${task.q} -> want ${task.a[0]}, got ${got[0] ?? 'nothing'}`);
    tokens.push(countTokens(ans.text));
  }
  const n = Math.max(tasks.length, 1);
  return { count: tasks.length, recallAt1: at1 / n, recallAt5: at5 / n, medianAnswerTokens: median(tokens), misses };
}

export function loadCatalog(version = '9.2'): Catalog {
  const schemaFile = path.join(sharedDir, 'pve-apidoc', `pve-${version}-apidoc.json`);
  return Catalog.fromApidoc(parseApidoc(readFileSync(schemaFile, 'utf8')), { version });
}

export async function benchDiscovery(): Promise<DiscoveryResult> {
  const tasksFile = path.join(sharedDir, 'bench', 'discovery-tasks.json');
  const started = performance.now();
  const catalog = loadCatalog('9.2');
  const schemaLoadMs = performance.now() - started;
  const builtAt = performance.now();
  new OperationSearch(catalog).search('warm up');
  const indexBuildMs = performance.now() - builtAt;
  const shared = scoreSet(catalog, JSON.parse(readFileSync(tasksFile, 'utf8')) as Task[]);
  const queryAt = performance.now();
  const own = scoreSet(catalog, OWN_QUESTIONS);
  const queryMs = (performance.now() - queryAt) / OWN_QUESTIONS.length;
  const tuningSet = loadEvalSet('tuning');
  const heldoutSet = loadEvalSet('heldout');
  return {
    ...shared,
    schemaLoadMs: Math.round(schemaLoadMs * 10) / 10,
    indexBuildMs: Math.round(indexBuildMs * 10) / 10,
    queryMs: Math.round(queryMs * 100) / 100,
    own,
    tuning: scoreSet(catalog, tuningSet),
    heldout: scoreSet(catalog, heldoutSet),
    indirectTuning: scoreSet(
      catalog,
      tuningSet.filter((t) => t.kind === 'indirect'),
    ),
    indirectHeldout: scoreSet(
      catalog,
      heldoutSet.filter((t) => t.kind === 'indirect'),
    ),
  };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function figuresLine(name: string, s: SetFigures): string {
  const f = (x: number) => x.toFixed(2);
  return `${name.padEnd(30)} n=${String(s.count).padEnd(4)} recall@1 ${f(s.recallAt1)}  recall@5 ${f(s.recallAt5)}  median ${s.medianAnswerTokens} tokens`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchDiscovery();
  const verbose = process.argv.includes('--misses');
  const sets: Array<[string, SetFigures]> = [
    ['shared tasks', r],
    ['own questions', r.own],
    ['eval: tuning half', r.tuning],
    ['eval: held-out half', r.heldout],
    ['eval: indirect (tuning)', r.indirectTuning],
    ['eval: indirect (held-out)', r.indirectHeldout],
  ];
  for (const [name, s] of sets) console.log(figuresLine(name, s));
  console.log(`schema load ${r.schemaLoadMs} ms, index build ${r.indexBuildMs} ms, query ${r.queryMs} ms`);
  // The held-out half's misses are not printed: reading them is how one ends up tuning on them.
  if (verbose)
    for (const [name, s] of sets.slice(0, 3)) if (s.misses.length) console.log(`${name}, not first:\n  ${s.misses.join('\n  ')}`);
}
