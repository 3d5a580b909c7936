import MiniSearch from 'minisearch';
import type { Catalog, Operation, ParamSpec } from './catalog.js';
import { splitPath } from './catalog.js';
import { AREA_WORDS, OPERATION_WORDS } from './vocabulary.js';
import { stem, words } from './search-query.js';

// The index: what each operation holds (path, name, summary, description, parameter names and the keys of
// its property strings), the per-operation facts the ranking reads, and their snapshot for the cache.

export const SEARCH_OPTIONS = {
  tokenize: (s: string) => [s],
  processTerm: (t: string) => t,
  boost: { leaf: 4, path: 2, name: 2.5, summary: 2, description: 0.4, params: 0.8, hints: 1.5, meaning: 6 },
  prefix: (term: string) => term.length >= 4,
  fuzzy: (term: string) => (term.length >= 6 ? 0.15 : false),
  weights: { fuzzy: 0.3, prefix: 0.5 },
};

export interface Doc {
  id: number;
  leaf: string;
  path: string;
  name: string;
  summary: string;
  description: string;
  params: string;
  hints: string;
  meaning: string;
}

export const INDEX_FIELDS = ['leaf', 'path', 'name', 'summary', 'description', 'params', 'hints', 'meaning'];
/** Bump when the index build or the snapshot layout changes, so old cached snapshots are rebuilt. */
export const SNAPSHOT_FORMAT = 5;

export interface SearchSnapshot {
  format: number;
  fingerprint: string;
  index: unknown;
  shape: number[];
  vocabulary: string[];
  df: Array<[string, number]>;
  segments: Array<Array<{ words: string[]; text: string; rarity: number }>>;
  guestScoped: boolean[];
  collection: boolean[];
  summaryWords: string[][];
  bulk: boolean[];
  byParam: Array<[string, number[]]>;
  actions: string[];
  meaning: string[][];
}

export class SearchIndex {
  index!: MiniSearch<Doc>;
  shape: number[] = [];
  readonly vocabulary = new Set<string>();
  /** In how many operations each (stemmed) term occurs. */
  readonly df = new Map<string, number>();
  /** Per operation: the words of each literal path segment, and how common that segment is. */
  segments: Array<Array<{ words: string[]; text: string; rarity: number }>> = [];
  guestScoped: boolean[] = [];
  collection: boolean[] = [];
  summaryWords: Array<Set<string>> = [];
  bulk: boolean[] = [];
  readonly byParam = new Map<string, number[]>();
  readonly actions = new Set<string>();
  /** Per operation: the words of what it answers (OPERATION_WORDS), stemmed. */
  meaning: string[][] = [];
  /** Literal path segments of the schema (`firewall`, `snapshot`): area names, not setting keys. */
  private readonly segmentNames = new Set<string>();

  private constructor(private readonly catalog: Catalog) {}

  static build(catalog: Catalog): SearchIndex {
    const ix = new SearchIndex(catalog);
    ix.index = ix.build();
    return ix;
  }

  /** Everything the index build derives, as plain data: building takes ~80 ms, loading this a quarter of it. */
  toSnapshot(): SearchSnapshot {
    const index = this.index;
    return {
      format: SNAPSHOT_FORMAT,
      fingerprint: this.catalog.fingerprint,
      index: index.toJSON(),
      shape: this.shape,
      vocabulary: [...this.vocabulary],
      df: [...this.df],
      segments: this.segments,
      guestScoped: this.guestScoped,
      collection: this.collection,
      summaryWords: this.summaryWords.map((set) => [...set]),
      bulk: this.bulk,
      byParam: [...this.byParam],
      actions: [...this.actions],
      meaning: this.meaning,
    };
  }

  /** Restores a search from `toSnapshot()`; undefined when the snapshot is for another schema or format. */
  static fromSnapshot(catalog: Catalog, snap: SearchSnapshot): SearchIndex | undefined {
    if (snap?.format !== SNAPSHOT_FORMAT || snap.fingerprint !== catalog.fingerprint) return undefined;
    const search = new SearchIndex(catalog);
    search.index = MiniSearch.loadJS<Doc>(snap.index as Parameters<typeof MiniSearch.loadJS>[0], { fields: INDEX_FIELDS });
    search.shape = snap.shape;
    for (const t of snap.vocabulary) search.vocabulary.add(t);
    for (const [t, n] of snap.df) search.df.set(t, n);
    search.segments = snap.segments;
    search.guestScoped = snap.guestScoped;
    search.collection = snap.collection;
    search.summaryWords = snap.summaryWords.map((w) => new Set(w));
    search.bulk = snap.bulk;
    for (const [t, ids] of snap.byParam) search.byParam.set(t, ids);
    for (const a of snap.actions) search.actions.add(a);
    search.meaning = snap.meaning;
    return search;
  }

  private build(): MiniSearch<Doc> {
    // Documents keep their own words (stemmed); synonyms are added on the query side only, so a
    // "guest" in a description does not make the operation about both qemu and lxc.
    let docTerms = new Set<string>();
    const processTerm = (term: string) => {
      const t = stem(term);
      this.vocabulary.add(t);
      docTerms.add(t);
      return t;
    };
    const ms = new MiniSearch<Doc>({
      fields: INDEX_FIELDS,
      tokenize: (text) => words(text),
      processTerm,
    });
    const ops = this.catalog.operations;
    // A collection is also about the items below it: `/nodes/{node}/network` lists `{iface}`s.
    const itemNames = new Map<string, string>();
    for (const op of ops) {
      const m = /^(.*)\/\{([^}]+)\}$/.exec(op.path);
      if (m) itemNames.set(m[1], m[2]);
    }
    // Known words, to split PVE's run-together names: stopall, lvmthin, wipedisk, prunebackups, vncproxy.
    const dictionary = new Set<string>();
    for (const op of ops) {
      for (const w of `${op.path} ${op.name} ${op.summary}`.toLowerCase().split(/[^a-z0-9]+/)) if (w.length >= 3) dictionary.add(w);
    }
    // Listing and creating are about the items; a PUT or DELETE of the collection is about the whole.
    for (const op of ops) for (const seg of splitPath(op.path)) if (!seg.startsWith('{')) this.segmentNames.add(seg);
    const docs = ops.map((op, id) =>
      toDoc(op, id, op.method === 'GET' || op.method === 'POST' ? itemNames.get(op.path) : undefined, dictionary, this.segmentNames),
    );
    for (const doc of docs) {
      docTerms = new Set();
      ms.add(doc);
      for (const t of docTerms) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    }
    // How common each literal segment is among the distinct paths: `nodes` is everywhere, `capabilities` rare.
    const paths = [...new Set(ops.map((op) => op.path))];
    const segCount = new Map<string, number>();
    for (const p of paths) for (const seg of new Set(splitPath(p))) segCount.set(seg, (segCount.get(seg) ?? 0) + 1);
    const logP = Math.log(paths.length);
    this.segments = ops.map((op) =>
      splitPath(op.path)
        .filter((seg) => !seg.startsWith('{'))
        .map((seg) => ({
          text: seg,
          words: words(seg).flatMap((w) => {
            const parts = splitCompound(w, dictionary);
            return (parts.length ? parts : [w]).map(stem);
          }),
          rarity: Math.log(paths.length / (segCount.get(seg) ?? 1)) / logP,
        })),
    );
    this.shape = ops.map(shapeFactor);
    this.meaning = ops.map((op) => words(meaningOf(op)).map(stem));
    this.guestScoped = ops.map((op) => op.path.includes('{vmid}'));
    this.collection = ops.map((op) => itemNames.has(op.path));
    this.summaryWords = ops.map((op) => new Set(words(op.summary).map(stem)));
    this.bulk = this.segments.map((segs) => segs.some((seg) => seg.words.includes('all') || seg.words.includes('bulk')));
    // Parameters by name, so that naming a setting ("memory", "cores") finds the operations that set it,
    // however many other parameters they have. The reader of a resource returns what its writers set,
    // so a GET shares its PUT's parameters.
    const byPath = new Map<string, number[]>();
    ops.forEach((op, id) => (byPath.get(op.path) ?? byPath.set(op.path, []).get(op.path)!).push(id));
    const namesAt = new Map<string, Set<string>>();
    for (const op of ops) {
      // Creating an item takes the item's settings; the list of items does not show them.
      if (op.method === 'POST' && itemNames.has(op.path)) continue;
      const names = namesAt.get(op.path) ?? namesAt.set(op.path, new Set()).get(op.path)!;
      for (const p of op.params) {
        const t = stem(p.name.replace('[n]', ''));
        if (/^[a-z]+$/.test(t)) names.add(t);
        for (const k of settingKeys(p, this.segmentNames)) names.add(k);
      }
    }
    // A writer is found by its own parameters only: creating a pool takes no `vms`, updating it does.
    const add = (t: string, id: number) => (this.byParam.get(t) ?? this.byParam.set(t, []).get(t)!).push(id);
    for (const [path, names] of namesAt) {
      for (const id of byPath.get(path)!) if (ops[id].method === 'GET') for (const t of names) add(t, id);
    }
    ops.forEach((op, id) => {
      if (op.method === 'GET' || op.method === 'DELETE') return;
      const names = new Set(op.params.map((p) => stem(p.name.replace('[n]', ''))).filter((t) => /^[a-z]+$/.test(t)));
      // The keys of its property strings are settings it sets too: `discard` of `scsi0`, `tag` of `net0`.
      for (const p of op.params) for (const k of settingKeys(p, this.segmentNames)) names.add(k);
      for (const t of names) add(t, id);
    });
    // Action endpoints: literal path ends that only take a POST (`/sync`, `/scrub`, `/schedule_now`).
    const methodsAt = new Map<string, Set<string>>();
    for (const op of ops) (methodsAt.get(op.path) ?? methodsAt.set(op.path, new Set()).get(op.path)!).add(op.method);
    for (const [path, methods] of methodsAt) {
      const last = splitPath(path).at(-1) ?? '';
      if (methods.size === 1 && methods.has('POST') && !last.startsWith('{')) this.actions.add(stem(last));
    }
    return ms;
  }
}

/** Keys of property strings too general to point at one setting: every disk has a `file` and a `size`. */
const GENERIC_KEYS = new Set([
  'file',
  'format',
  'volume',
  'size',
  'type',
  'name',
  'model',
  'current',
  'import',
  'from',
  'length',
  'max',
  'enabled',
]);

/** The setting names inside a property-string parameter (`net[n]`: bridge, tag, macaddr, rate, firewall ...). */
function settingKeys(p: ParamSpec, pathWords: ReadonlySet<string>): string[] {
  if (!p.format || typeof p.format !== 'object') return [];
  const keys = new Set<string>();
  for (const key of Object.keys(p.format)) {
    for (const part of key.toLowerCase().split(/[^a-z]+/)) {
      // A key named like an area (`firewall`, `snapshot`, `backup` of a disk) would pull requests about
      // that area to every config that has the key.
      if (part.length >= 3 && !GENERIC_KEYS.has(part) && !pathWords.has(part)) keys.add(stem(part));
    }
  }
  return [...keys];
}

/**
 * Directory indexes rarely answer a question, nor do placeholders and internal endpoints; among
 * equals, the shallower path is the more general answer.
 */
function shapeFactor(op: Operation): number {
  const depth = splitPath(op.path).length;
  let f = /^directory index/i.test(op.summary) ? 0.6 : 1;
  // Plumbing for other operations (migration tunnels, the dbus-vmstate helper) answers no one's question.
  if (/^dummy\b|only for internal use|\bhelper\b/i.test(op.description)) f *= 0.5;
  return f / (1 + 0.04 * depth);
}

/** The two known words a run-together word is made of (`wipedisk` -> `wipe disk`), if any. */
function splitCompound(word: string, dictionary: Set<string>): string[] {
  if (word.length < 6) return [];
  let best: string[] = [];
  let bestMin = 0;
  for (let i = 3; i <= word.length - 3; i++) {
    const a = word.slice(0, i);
    const b = word.slice(i);
    const shorter = Math.min(a.length, b.length);
    if (shorter > bestMin && dictionary.has(a) && dictionary.has(b)) {
      best = [a, b];
      bestMin = shorter;
    }
  }
  return best;
}

function withParts(text: string, dictionary: Set<string>): string {
  const parts = words(text).flatMap((w) => splitCompound(w, dictionary));
  return parts.length ? `${text} ${parts.join(' ')}` : text;
}

function toDoc(op: Operation, id: number, itemName: string | undefined, dictionary: Set<string>, pathWords: ReadonlySet<string>): Doc {
  const literals = splitPath(op.path).filter((s) => !s.startsWith('{'));
  const last = splitPath(op.path).at(-1) ?? '';
  // The last literal names what the operation is about; a trailing {param} means "one item of it".
  const leaf = literals.at(-1) ?? '';
  const leafText = last.startsWith('{') ? `${leaf} ${last.slice(1, -1)}` : itemName ? `${leaf} ${itemName}` : leaf;
  return {
    id,
    leaf: withParts(leafText, dictionary),
    path: literals.slice(0, -1).join(' '),
    name: withParts(op.name, dictionary),
    summary: withParts(op.summary, dictionary),
    description: op.description.slice(op.summary.length, 400),
    // A required choice names what the operation does: POST /nodes/{node}/status `command` reboot|shutdown.
    params: op.params
      .map((p) => {
        const name = !p.optional && p.enum && p.enum.length <= 12 ? `${p.name} ${p.enum.join(' ')}` : p.name.replace('[n]', '');
        const keys = settingKeys(p, pathWords);
        return keys.length ? `${name} ${keys.join(' ')}` : name;
      })
      .join(' '),
    hints: AREA_WORDS.filter(([re]) => re.test(op.path))
      .map(([, w]) => w)
      .join(' '),
    meaning: meaningOf(op),
  };
}

function meaningOf(op: Operation): string {
  return OPERATION_WORDS.filter(([re]) => re.test(op.path))
    .map(([, w]) => w)
    .join(' ');
}
