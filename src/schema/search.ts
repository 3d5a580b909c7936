import MiniSearch from 'minisearch';
import type { Catalog, Operation, ParamSpec } from './catalog.js';
import { splitPath } from './catalog.js';
import {
  ACTION_NOUNS,
  ACTION_WORDS,
  CREATE_VERBS,
  AREA_WORDS,
  ATTRIBUTE_WORDS,
  EXCLUSIVE,
  GUEST_TERMS,
  OPERATION_WORDS,
  INTENT,
  PURE_VERBS,
  QUALIFIED_AREAS,
  SETTING_WORDS,
  STATE_WORDS,
  WEAK_INTENT,
  VERB_OBJECT,
  type Intent,
} from './vocabulary.js';
import { LEXICON, conceptsIn, lookup, correctTypos, rewriteIntent, stem, termsOf, words } from './search-query.js';
import { RecipeBook, type RecipeMatch } from './search-recipes.js';
import { knowledgeFor, type Concept, type ProductKnowledge } from './knowledge/index.js';

export { stem } from './search-query.js';

const SEARCH_OPTIONS = {
  tokenize: (s: string) => [s],
  processTerm: (t: string) => t,
  boost: { leaf: 4, path: 2, name: 2.5, summary: 2, description: 0.4, params: 0.8, hints: 1.5, meaning: 6 },
  prefix: (term: string) => term.length >= 4,
  fuzzy: (term: string) => (term.length >= 6 ? 0.15 : false),
  weights: { fuzzy: 0.3, prefix: 0.5 },
};


interface Doc {
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


/** The named weights of the ranking, so a reader can see why a result ranks where it does. */
export const WEIGHTS = {
  /** A verb that only says the method ("show", "change") counts this much as a word. */
  pureVerb: 0.25,
  /** A concept the request names (PCI passthrough, VLAN) counts this much beside its own words. */
  concept: 1,
  /** Creating a guest, when the request names an existing one ("make vm 123 start at boot"). */
  createForNamedGuest: 0.5,
  /** Words that say little about what is wanted ("proxmox", "type", "please"). */
  generic: 0.3,
  /** An action verb beside an object of another area than guests ("stop the replication"). */
  verbBesideArea: 0.35,
  product: 0.6,
  /** Any operation not about one guest, when the request names one. */
  elsewhereForNamedGuest: 0.85,
};

/**
 * The words that named a setting's concept are replaced by the concept (which joins the request as one word of
 * its own), so that "pass through" is PCI passthrough and not a password; verbs among them stay, as they
 * still say what is to be done ("unlock", "block").
 */
function consumeConcepts(text: string, concepts: Concept[]): string {
  let t = text;
  for (const c of concepts) {
    if (!c.settings?.length) continue;
    t = t.replace(new RegExp(c.say.source, 'g'), (m) => (c.noVerb ? ' ' : ` ${m.split(/[^a-z]+/).filter((w) => lookup(INTENT, w)).join(' ')} `));
  }
  return t;
}

/** A word that at most this many operations hold says what a goal is about more than which call it needs. */
const RARE_IN_OPERATIONS = 3;

/** A guest's power actions: the words that most often stand for something else's start or stop. */
const POWER_VERBS = new Set(['start', 'stop', 'shutdown', 'reboot', 'restart', 'reset', 'suspend', 'resume', 'kill', 'halt']);

/** Path words that scope rather than name an area: a guest's own actions stay strong beside them. */
const SCOPE_WORDS = ['node', 'qemu', 'lxc', 'cluster', 'status', 'config', 'current', 'vm', 'guest', 'all', 'bulk', 'action'];

/** Words of a request that name nothing in particular. */
const GENERIC_WORDS = new Set(['please', 'type', 'using', 'used', 'thing', 'stuff', 'again', 'way', 'possible', 'somehow', 'currently', 'actually']);

/** The product's own name: every operation is about it, though a few descriptions say it ("Proxmox packages"). */
const PRODUCT_WORDS = new Set(['proxmox', 'pve']);

/** A guest named by its ID: "vm 123", "ct 105", "container #7", "vmid 300". */
const NAMED_GUEST = /\b(vms?|cts?|containers?|guests?|lxc|qemu|kvm|vmid|machine)\s*#?\d+\b|\b(vm|ct)\d{2,}\b|\b(qm|pct) [a-z-]+ \d+\b/i;
const GUEST_COLLECTION = /^\/nodes\/\{node\}\/(qemu|lxc)$/;

export interface ParsedQuery {
  text: string;
  concepts: Concept[];
  corrected: Array<[string, string]>;
}

export interface Ranked {
  hits: Array<{ op: Operation; score: number }>;
  /** How much of the request the best hit accounts for (0..1), words weighed by specificity. */
  coverage: number;
  /** The same, counting also the words nothing in the schema knows ("frobnicate"): how sure the answer is. */
  confidence: number;
  groups?: Group[];
  /** The goal recipe that best fits the request, if any fits two of its words. */
  recipe?: RecipeMatch;
}

export interface Group {
  /** Settings (parameter names) the word means when the request changes something. */
  settings?: string[];
  word: string;
  terms: string[];
  /** How much the word counts: action verbs mostly steer the method, they say little about the subject. */
  weight: number;
  /** How specific the word is in this schema (inverse document frequency of its best term). */
  idf: number;
}

const DEBUG = process.env.SEARCH_DEBUG === '1';

/** A parameter name on more operations than this is too common to point anywhere. */
const PARAM_SPREAD = 40;
const PARAM_BONUS = 6;

/** One query's words, with a memo of which of them explain a given path word. */
class QueryContext {
  /** Every term the query can stand for. */
  readonly terms: Set<string>;
  /** The question asks about everything at once ("all guests", "every VM", "in bulk"). */
  bulk = false;
  /** The question changes a setting of something that exists ("set the description of a VM"). */
  changesSetting = false;
  /** The request names one existing guest ("vm 123", "ct 105"): it is about that guest, not a new one. */
  namedGuest = false;
  private readonly memo = new Map<string, number[]>();

  constructor(
    readonly groups: Group[],
    readonly wanted: number,
  ) {
    this.terms = new Set(groups.flatMap((g) => g.terms));
  }

  /** The query words that account for a word of a path: the same term, or part of a run-together one. */
  explains(w: string): number[] {
    let by = this.memo.get(w);
    if (!by) {
      by = [];
      for (let i = 0; i < this.groups.length; i++) {
        const terms = this.groups[i].terms;
        if (terms.includes(w) || (w.length >= 5 && terms.some((t) => t.length >= 3 && w.includes(t)))) by.push(i);
      }
      this.memo.set(w, by);
    }
    return by;
  }
}

const INDEX_FIELDS = ['leaf', 'path', 'name', 'summary', 'description', 'params', 'hints', 'meaning'];
/** Bump when the index build or the snapshot layout changes, so old cached snapshots are rebuilt. */
const SNAPSHOT_FORMAT = 4;

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

export class OperationSearch {
  private index?: MiniSearch<Doc>;
  private shape: number[] = [];
  private readonly vocabulary = new Set<string>();
  /** In how many operations each (stemmed) term occurs. */
  private readonly df = new Map<string, number>();
  /** Per operation: the words of each literal path segment, and how common that segment is. */
  private segments: Array<Array<{ words: string[]; text: string; rarity: number }>> = [];
  private guestScoped: boolean[] = [];
  private collection: boolean[] = [];
  private summaryWords: Array<Set<string>> = [];
  private bulk: boolean[] = [];
  private readonly byParam = new Map<string, number[]>();
  private readonly actions = new Set<string>();
  /** Per operation: the words of what it answers (OPERATION_WORDS), stemmed. */
  private meaning: string[][] = [];
  private candidates?: string[];
  /** Literal path segments of the schema (`firewall`, `snapshot`): area names, not setting keys. */
  private readonly segmentNames = new Set<string>();
  private recipeBook?: RecipeBook;
  private areas?: Set<string>;
  private readonly knowledge: ProductKnowledge;

  constructor(
    private readonly catalog: Catalog,
    product = 'pve',
  ) {
    this.knowledge = knowledgeFor(product);
  }

  /** Everything the index build derives, as plain data: building takes ~80 ms, loading this a quarter of it. */
  toSnapshot(): SearchSnapshot {
    const index = (this.index ??= this.build());
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
  static fromSnapshot(catalog: Catalog, snap: SearchSnapshot): OperationSearch | undefined {
    if (snap?.format !== SNAPSHOT_FORMAT || snap.fingerprint !== catalog.fingerprint) return undefined;
    const search = new OperationSearch(catalog);
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

  /** The request as the index reads it: typos mended, the product's concepts it names, intent phrases resolved. */
  parse(query: string): ParsedQuery {
    this.index ??= this.build();
    const mended = correctTypos(query, (w) => this.knows(w), this.typoCandidates(), (w) => this.df.get(w) ?? this.catalog.operations.length);
    const concepts = conceptsIn(mended.text, this.knowledge.concepts);
    const text = consumeConcepts(rewriteIntent(mended.text, concepts.some((c) => c.settings?.length)), concepts);
    return { text, concepts, corrected: mended.corrected };
  }

  search(query: string, limit = 10): Array<{ op: Operation; score: number }> {
    return this.rank(this.parse(query), limit).hits;
  }

  /** Words naming an area of the schema (`replication`, `ceph`, `tasks`), apart from guests and their scopes. */
  private areaWords(): ReadonlySet<string> {
    if (!this.areas) {
      this.areas = new Set();
      for (const segs of this.segments) for (const seg of segs) if (seg.words.length === 1) this.areas.add(seg.words[0]);
      for (const w of SCOPE_WORDS) this.areas.delete(w);
    }
    return this.areas;
  }

  /** The product's goal recipes, resolved against this schema. */
  get recipes(): RecipeBook {
    return (this.recipeBook ??= new RecipeBook(this.catalog, this.knowledge.recipes));
  }

  private knows(word: string): boolean {
    if (this.vocabulary.has(word) || LEXICON.has(word) || this.recipes.vocabulary.has(word)) return true;
    // An inflection of a known word is no typo: "executed", "rebooting", "snapshotted".
    const s = stem(word);
    const forms = [s, `${s}e`, word.replace(/(ed|d|ing|s)$/, '')];
    return forms.some((f) => this.vocabulary.has(f) || LEXICON.has(f)) || this.knowledge.concepts.some((c) => c.say.test(word));
  }

  private typoCandidates(): string[] {
    return (this.candidates ??= [...new Set([...this.vocabulary, ...LEXICON, ...this.recipes.vocabulary])].filter((w) => /^[a-z]{4,}$/.test(w)));
  }

  rank(parsedQuery: ParsedQuery, limit = 10): Ranked {
    const index = (this.index ??= this.build());
    const query = parsedQuery.text;
    // An absolute path in a request is a value ("/srv/data"), not words of it.
    let raw = words(query.replace(/(^|\s)\/\S*/g, ' '));
    // "Which VMs are running": beside a plural guest noun, a state filters the list; it is no subject.
    // So does it beside any plural ("tasks running in the cluster"); and "guests with their status"
    // asks for the list that shows each one's status.
    const plural = (w: string) => w.length > 3 && w !== stem(w) && w.endsWith('s') && this.vocabulary.has(stem(w));
    const listsGuests = raw.some((w) => w !== stem(w) && GUEST_TERMS.some((g) => termsOf(w).includes(g)));
    const listed = listsGuests || raw.some(plural);
    const attribute = (w: string) => STATE_WORDS.has(w) || (listsGuests && ATTRIBUTE_WORDS.has(w));
    const filtered = listed && raw.some(attribute);
    if (filtered) raw = raw.filter((w) => !attribute(w));
    const stemmed = new Set(raw.map(stem));
    const ruled: Intent[] = [];
    for (const rule of VERB_OBJECT) {
      if (!rule.verbs.some((v) => stemmed.has(v)) || !rule.objects.some((o) => stemmed.has(o))) continue;
      raw = [...raw, ...rule.add.filter((w) => !stemmed.has(w))];
      if (rule.method) ruled.push(rule.method);
    }
    const parsed: Array<{ word: string; terms: string[]; settings?: string[]; weight?: number }> = raw
      .map((word) => ({ word, terms: termsOf(word).filter((t) => !/^\d+$/.test(t)) }))
      .filter((g) => g.terms.length > 0);
    // A concept the request names joins it as one more word: its PVE terms, and the settings it means.
    for (const c of parsedQuery.concepts) {
      // A setting's concept stands in for the words that named it; any other adds to them.
      parsed.push({ word: `concept:${c.concept}`, terms: c.terms.map(stem), settings: c.settings, weight: c.settings?.length ? 1 : WEIGHTS.concept });
    }
    if (parsed.length === 0) return { hits: [], coverage: 0, confidence: 0 };
    const { methods: intents, verbs } = this.intents(raw);
    if (filtered && !intents.has('LIST')) intents.set('LIST', 1);
    for (const m of ruled) intents.set(m, 1);
    // A question that changes something and names a guest setting points at the operations setting it.
    // Removing a device or setting from a guest ("remove net1 from vm 12", "detach the CD") changes
    // the guest's config; the guest itself stays.
    const names = (t: string) => parsed.some((g) => g.terms.includes(t));
    if (intents.has('DELETE') && parsedQuery.concepts.some((c) => c.settings?.length) && GUEST_TERMS.some(names)) {
      intents.set('PUT', 1);
      intents.set('DELETE', 0.7);
    }
    const writes = (intents.get('PUT') ?? 0) + (intents.get('POST') ?? 0) > 0;
    const n = this.catalog.operations.length;
    // Words that come down to the same PVE terms ("running or stopped" -> status) count once.
    const distinct = new Map<string, (typeof parsed)[number]>();
    const settingsOf = (g: { word: string; settings?: string[] }) => g.settings ?? lookup(SETTING_WORDS, g.word) ?? lookup(SETTING_WORDS, stem(g.word));
    for (const g of parsed) {
      const key = g.terms.join(' ');
      const seen = distinct.get(key);
      if (!seen || (PURE_VERBS.has(seen.terms[0]) && !PURE_VERBS.has(g.terms[0]))) distinct.set(key, g);
    }
    // Naming a guest's setting while changing something is about the guest's config.
    if (writes) for (const g of distinct.values()) if (settingsOf(g)) g.terms = [...new Set([...g.terms, 'config'])];
    // Goals are matched on every word, also those no operation holds ("crashing", "full").
    const maxIdf = Math.log(1 + n);
    const recipe = this.recipes.best(
      [...distinct.values()].map((g) => {
        const df = Math.min(...g.terms.map((t) => this.df.get(t) ?? 0).filter((d) => d > 0), n + 1);
        const rare = df > n || df <= RARE_IN_OPERATIONS;
        const weight = g.weight ?? (PURE_VERBS.has(g.terms[0]) ? WEIGHTS.pureVerb : 1);
        return { terms: g.terms, weight, idf: df > n ? maxIdf : Math.log(1 + n / df), cue: rare };
      }),
    );
    const groups: Group[] = [...distinct.values()]
      .filter((g) => g.terms.some((t) => this.vocabulary.has(t)))
      .map((g) => {
        const df = Math.min(...g.terms.map((t) => this.df.get(t) ?? n));
        const weight = g.weight ?? (PURE_VERBS.has(g.terms[0]) ? WEIGHTS.pureVerb : GENERIC_WORDS.has(g.word) ? WEIGHTS.generic : PRODUCT_WORDS.has(g.word) ? WEIGHTS.product : 1);
        return { ...g, weight, idf: Math.log(1 + n / Math.max(df, 1)) };
      });
    if (groups.length === 0) return { hits: [], coverage: 0, confidence: 0, recipe };
    // The object picks the area, the verb the method: beside a thing of its own area (a replication job,
    // a Ceph service, a task), an action verb that is also a guest's action ("stop", "start") only says
    // what to do with that thing.
    const areas = this.areaWords();
    const namesArea = groups.some((g) => !lookup(INTENT, g.word) && !g.word.startsWith('concept:') && g.terms.some((t) => areas.has(t)));
    if (namesArea) for (const g of groups) if (POWER_VERBS.has(g.word) && g.weight === 1) g.weight = WEIGHTS.verbBesideArea;
    // Each word scores by its best-matching term (its own stem or a PVE word for it), so a word with
    // several synonyms does not outweigh a word with one; the words' scores then add up.
    const total = new Map<number, { score: number; covered: number }>();
    for (const group of groups) {
      const best = new Map<number, number>();
      group.terms.forEach((term, i) => {
        const w = group.weight * (i === 0 ? 1 : 0.8);
        for (const hit of index.search(term, SEARCH_OPTIONS)) {
          const id = hit.id as number;
          best.set(id, Math.max(best.get(id) ?? 0, hit.score * w));
        }
        // A word that is a parameter's name counts as much as a summary word would, even among
        // the ninety parameters of a VM's config.
        const setters = this.byParam.get(term);
        if (setters && setters.length <= PARAM_SPREAD) {
          const bonus = PARAM_BONUS * w * group.idf;
          for (const id of setters) best.set(id, Math.max(best.get(id) ?? 0, bonus));
        }
      });
      // A concept's settings point at their operations whatever the verb ("what CPU type does vm 7 use"
      // reads the config); an everyday word's only when something is changed ("add a disk").
      const settings = group.settings ?? (writes ? settingsOf(group) : undefined);
      for (const name of settings ?? []) {
        const setters = this.byParam.get(name);
        if (!setters || setters.length > PARAM_SPREAD) continue;
        // Weighed by how specific the setting is (`scsi`), not the everyday word ("disk").
        const idf = Math.log(1 + n / Math.max(this.df.get(name) ?? n, 1));
        const bonus = PARAM_BONUS * group.weight * Math.max(group.idf, idf);
        for (const id of setters) best.set(id, Math.max(best.get(id) ?? 0, bonus));
      }
      for (const [id, score] of best) {
        const entry = total.get(id) ?? { score: 0, covered: 0 };
        entry.score += score;
        entry.covered += group.weight * group.idf;
        if (DEBUG) (entry as any).why = `${(entry as any).why ?? ''} ${group.word}=${score.toFixed(1)}`;
        total.set(id, entry);
      }
    }
    // Coverage weighs words by specificity: missing "subscription" costs more than missing "status".
    const wanted = groups.reduce((sum, g) => sum + g.weight * g.idf, 0);
    const ctx = new QueryContext(groups, wanted);
    ctx.changesSetting = writes && groups.some((g) => settingsOf(g)) && !raw.some((w) => CREATE_VERBS.has(w));
    ctx.bulk = /\b(all|every|bulk)\b/i.test(query);
    // "make vm 123 start at boot" changes guest 123; "restore vm 123 from a backup" creates it anew.
    ctx.namedGuest = NAMED_GUEST.test(query) && !raw.some((w) => CREATE_VERBS.has(w) && w !== 'make');
    const ops = this.catalog.operations;
    const scored: Array<{ id: number; score: number; why?: string }> = [];
    for (const [id, entry] of total) {
      const coverage = entry.covered / wanted;
      const intent = this.intentFactor(id, intents, verbs);
      scored.push({ id, score: entry.score * (0.3 + coverage) ** 1.5 * intent * this.shape[id] });
      if (DEBUG) scored[scored.length - 1].why = `${(entry as { why?: string }).why} cov=${coverage.toFixed(2)} int=${intent.toFixed(2)}`;
    }
    // The path's fit (at most 1) re-ranks only the leaders: an operation outside them would need a
    // fit several times better than theirs to overtake.
    scored.sort((a, b) => b.score - a.score);
    const leaders = scored.slice(0, Math.max(limit * 4, 40));
    for (const r of leaders) {
      const fit = this.pathFit(r.id, ctx);
      r.score *= fit;
      if (DEBUG) r.why += ` fit=${fit.toFixed(2)} shape=${this.shape[r.id].toFixed(2)}`;
    }
    const top = leaders.sort((a, b) => b.score - a.score).slice(0, limit);
    const hits = top.map((r) => (DEBUG ? { op: ops[r.id], score: r.score, why: r.why } : { op: ops[r.id], score: r.score }));
    const best = top[0] ? total.get(top[0].id) : undefined;
    // Words the schema does not know lower the confidence as much as a typical word would have added.
    // Names and identifiers ("pve1", "bob") and the words of goals are not unknown in that sense.
    const unknown = [...distinct.values()].filter(
      (g) => !groups.some((k) => k.word === g.word) && /^[a-z]{4,}$/.test(g.word) && !this.recipes.vocabulary.has(g.word),
    ).length;
    const typical = wanted / groups.length;
    const coverage = best ? best.covered / wanted : 0;
    const confidence = best ? best.covered / (wanted + unknown * typical) : 0;
    return { hits, coverage, confidence, groups, recipe };
  }

  /**
   * Which HTTP methods the question asks for, with a strength. Action verbs ("delete", "log in") beat
   * words that only lean towards reading ("get a ticket", "what", "status").
   */
  private intents(raw: string[]): { methods: Map<Intent, number>; verbs: string[] } {
    const strong = new Map<Intent, number>();
    const weak = new Map<Intent, number>();
    const verbs: string[] = [];
    // A request opening with an action's name is an imperative: "snapshot a VM", "sync users".
    if (raw.length > 1 && !lookup(INTENT, raw[0]) && (ACTION_NOUNS.has(raw[0]) || this.actions.has(stem(raw[0])))) strong.set('POST', 1);
    for (const word of raw) {
      // Only a verb's plain form gives an intent: "stopped", "settings" and "changes" are states and things.
      const found = lookup(INTENT, word);
      if (!found) continue;
      const into = WEAK_INTENT.has(word) ? weak : strong;
      if (into === strong) verbs.push(stem(word));
      const list = Array.isArray(found) ? found : [found];
      // The first method a verb names is its usual one; later ones are what it sometimes means.
      list.forEach((m, i) => into.set(m, Math.max(into.get(m) ?? 0, i === 0 ? 1 : 0.7)));
    }
    const intents = strong.size > 0 ? strong : weak;
    // "interfaces of a node", "show the OSDs": a plural asks for a collection when reading.
    const plural = raw.some((w) => w.length > 3 && w.endsWith('s') && stem(w) !== w && this.vocabulary.has(stem(w)));
    if (plural && (intents.size === 0 || intents.has('GET')) && !intents.has('LIST')) intents.set('LIST', 0.7);
    return { methods: intents, verbs };
  }

  /**
   * How well an operation's path fits the question, from two sides. A literal segment no query word
   * accounts for is a detour (`/capabilities/qemu` for "VMs on a node", `/cluster/config/nodes` for
   * "nodes"); rare segments cost more than ubiquitous ones such as `nodes` or `status`. And a word the
   * path itself names ("container" -> `/lxc/`) is a stronger match than one only the description
   * mentions, weighted by how specific the word is. A path about the other guest type than the one
   * asked for costs most.
   */
  private pathFit(id: number, ctx: QueryContext): number {
    let fit = 1;
    const named = new Map<number, number>();
    const segs = this.segments[id];
    // A command's name is explained by what it answers: "IP address" explains `network-get-interfaces`.
    const meant = this.meaning[id].flatMap((w) => ctx.explains(w));
    segs.forEach((seg, i) => {
      if (meant.length && i === segs.length - 1) {
        for (const g of meant) named.set(g, 1);
        return;
      }
      let missing = 0;
      // The first segment of a longer path is its scope (`/cluster/...`, `/nodes/...`): naming it
      // says where, not what.
      const strength = i === 0 && segs.length > 1 ? 0.5 : 1;
      for (const w of seg.words) {
        const by = ctx.explains(w);
        if (by.length === 0 && !(ctx.bulk && (w === 'all' || w === 'bulk'))) missing++;
        for (const g of by) named.set(g, Math.max(named.get(g) ?? 0, strength));
      }
      // A run-together segment is explained as far as its parts are: "start a container" explains
      // the `start` of `startall` but not its `all`.
      if (missing > 0) fit *= 1 - (0.06 + 0.3 * seg.rarity) * (missing / seg.words.length);
    });
    let namedWeight = 0;
    for (const [g, strength] of named) namedWeight += ctx.groups[g].idf * ctx.groups[g].weight * strength;
    fit *= 0.6 + (0.4 * namedWeight) / ctx.wanted;
    const terms = ctx.terms;
    // "reboot a node" is about the node itself, not one of its guests.
    if (terms.has('node') && !GUEST_TERMS.some((t) => terms.has(t)) && this.guestScoped[id]) fit *= 0.55;
    // Bulk operations (`stopall`, `/bulk-action/`) act on everything; they answer only when asked so.
    if (this.bulk[id] && !ctx.bulk) fit *= 0.7;
    for (const seg of segs) if (QUALIFIED_AREAS.has(seg.text) && !terms.has(seg.text)) fit *= 0.8;
    const leaf = segs.at(-1);
    if (leaf && leaf.words.some((w) => ACTION_WORDS.has(w) && ctx.explains(w).length === 0)) fit *= 0.7;
    // Changing a setting of a guest is not creating one.
    if (ctx.changesSetting && this.collection[id] && this.catalog.operations[id].method === 'POST') fit *= 0.7;
    if (ctx.namedGuest) {
      const op = this.catalog.operations[id];
      if (op.method === 'POST' && GUEST_COLLECTION.test(op.path)) fit *= WEIGHTS.createForNamedGuest;
      else if (!this.guestScoped[id]) fit *= WEIGHTS.elsewhereForNamedGuest;
    }
    for (const [a, b] of EXCLUSIVE) {
      const asksA = terms.has(a) && !terms.has(b);
      const asksB = terms.has(b) && !terms.has(a);
      const has = (x: string) => segs.some((seg) => seg.text === x);
      // Guests of either kind: a path about one kind only answers half the question.
      if (!asksA && !asksB) {
        if (terms.has(a) && has(a) !== has(b)) fit *= 0.75;
        continue;
      }
      if ((asksA && has(b) && !has(a)) || (asksB && has(a) && !has(b))) fit *= 0.6;
    }
    return fit;
  }

  /**
   * How well an operation's method fits what the question wants done. An operation whose own summary
   * names the verb fits whatever its method ("remove a permission": PUT /access/acl "add or remove
   * permissions"). Listing is a GET of a collection (a path with items below it), not of one item.
   */
  private intentFactor(id: number, intents: Map<Intent, number>, verbs: string[]): number {
    const op = this.catalog.operations[id];
    if (intents.size === 0) return op.method === 'GET' ? 1.15 : 1;
    const wantsList = intents.get('LIST') ?? 0;
    let strength = Math.max(intents.get(op.method) ?? 0, op.method === 'GET' ? wantsList : 0);
    // A reader whose summary merely mentions the verb as a noun ("with pending changes") does not.
    if (strength < 1 && (op.method !== 'GET' || intents.has('GET')) && verbs.some((v) => this.summaryWords[id].has(v))) strength = 1;
    let f = 0.55 + 1.25 * strength;
    if (wantsList && op.method === 'GET') f *= op.path.endsWith('}') ? 0.7 : this.collection[id] ? 1.3 : 1.1;
    return f;
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
const GENERIC_KEYS = new Set(['file', 'format', 'volume', 'size', 'type', 'name', 'model', 'current', 'import', 'from', 'length', 'max', 'enabled']);

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
  if (/^dummy\b|only for internal use/i.test(op.description)) f *= 0.5;
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
    hints: AREA_WORDS.filter(([re]) => re.test(op.path)).map(([, w]) => w).join(' '),
    meaning: meaningOf(op),
  };
}

function meaningOf(op: Operation): string {
  return OPERATION_WORDS.filter(([re]) => re.test(op.path)).map(([, w]) => w).join(' ');
}
