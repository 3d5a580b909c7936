import type { Catalog, Operation } from './catalog.js';
import {
  ACTION_NOUNS,
  ACTION_WORDS,
  CREATE_VERBS,
  ATTRIBUTE_WORDS,
  EXCLUSIVE,
  GUEST_TERMS,
  INTENT,
  PURE_VERBS,
  QUALIFIED_AREAS,
  SETTING_WORDS,
  STATE_WORDS,
  SYNONYMS,
  WEAK_INTENT,
  VERB_OBJECT,
  type Intent,
} from './vocabulary.js';
import {
  COMMON_WORDS,
  LEXICON,
  TYPO_TARGETS,
  conceptsIn,
  consumeConcepts,
  lookup,
  correctTypos,
  rewriteIntent,
  stem,
  termsOf,
  words,
} from './search-query.js';
import { SEARCH_OPTIONS, SearchIndex, type SearchSnapshot } from './search-index.js';
import {
  DEBUG,
  GENERIC_WORDS,
  GUEST_COLLECTION,
  NAMED_GUEST,
  PARAM_BONUS,
  PARAM_SPREAD,
  POWER_VERBS,
  PRODUCT_WORDS,
  QUESTION_OPENERS,
  QueryContext,
  RARE_IN_OPERATIONS,
  SCOPE_WORDS,
  WEIGHTS,
  type Group,
} from './search-rank.js';
import { RecipeBook, type RecipeMatch } from './search-recipes.js';
import { knowledgeFor, type Concept, type ProductKnowledge } from './knowledge/index.js';

export type { SearchSnapshot } from './search-index.js';
export type { Group } from './search-rank.js';

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
  /** The request words the best hit accounts for. */
  topWords?: ReadonlySet<string>;
  /** The goal recipe that best fits the request, if any fits two of its words. */
  recipe?: RecipeMatch;
  /** The best hit accounts for the request's action verb. */
  acts?: boolean;
}

/** A change of who or what belongs to a pool or group. */
const MEMBERSHIP =
  /\b(remove|delete|take|drop|kick|add|put|move|assign|include|exclude)\b.{1,40}?\b(from|to|into|out of)\s+(?:(?:the|a|an|my|our|another|other)\s+)?(?:[\w.@-]+\s+)?(pools?|groups?)\b/;

/** The word after an article or a possessive. */
const DETERMINED = /\b(?:the|a|an|my|its|this|that|their|his|her|our|your|each|every)\s+([a-z]+)/g;
const DETERMINED_COMPOUND =
  /\b(?:the|a|an|my|its|this|that|their|his|her|our|your|each|every)\s+([a-z]+)\s+([a-z]+)(?=\s+(?:of|on|for|in|to|from|at|with)\b|\s*$|\s*[,.;?!])/g;

export class OperationSearch {
  private candidates?: string[];
  private creates?: boolean[];
  private recipeBook?: RecipeBook;
  private areas?: Set<string>;
  private families?: Set<string>;
  private readonly knowledge: ProductKnowledge;

  private ix?: SearchIndex;

  constructor(
    private readonly catalog: Catalog,
    product: string = catalog.product,
  ) {
    this.knowledge = knowledgeFor(product);
  }

  /** The index, built on first use (or restored from a snapshot). */
  private get data(): SearchIndex {
    return (this.ix ??= SearchIndex.build(this.catalog));
  }

  /** Everything the index build derives, as plain data: building takes a few hundred ms, loading a fraction. */
  toSnapshot(): SearchSnapshot {
    return this.data.toSnapshot();
  }

  /** Restores a search from `toSnapshot()`; undefined when the snapshot is for another schema or format. */
  static fromSnapshot(catalog: Catalog, snap: SearchSnapshot): OperationSearch | undefined {
    const ix = SearchIndex.fromSnapshot(catalog, snap);
    if (!ix) return undefined;
    const search = new OperationSearch(catalog);
    search.ix = ix;
    return search;
  }

  /** The request as the index reads it: typos mended, the product's concepts it names, intent phrases resolved. */
  parse(query: string): ParsedQuery {
    const mended = correctTypos(
      query,
      (w) => this.knows(w),
      this.typoCandidates(),
      (w) => this.data.df.get(w) ?? this.catalog.operations.length,
    );
    const concepts = conceptsIn(mended.text, this.knowledge.concepts);
    const text = consumeConcepts(
      rewriteIntent(
        mended.text,
        concepts.some((c) => c.settings?.length),
      ),
      concepts,
    );
    return { text, concepts, corrected: mended.corrected };
  }

  search(query: string, limit = 10): Array<{ op: Operation; score: number }> {
    return this.rank(this.parse(query), limit).hits;
  }

  /** The indexed family (`scsi` of `scsi[n]`) a word such as `scsi1` is a member of, if any. */
  private familyOf(word: string): string | undefined {
    if (!this.families) {
      this.families = new Set();
      for (const op of this.catalog.operations) for (const p of op.params) if (p.indexed) this.families.add(p.name.slice(0, -3));
    }
    const m = /^([a-z]+)\d+$/.exec(word);
    return m && this.families.has(m[1]) ? m[1] : undefined;
  }

  /** Words naming an area of the schema (`replication`, `ceph`, `tasks`), apart from guests and their scopes. */
  private areaWords(): ReadonlySet<string> {
    if (!this.areas) {
      this.areas = new Set();
      for (const segs of this.data.segments) for (const seg of segs) if (seg.words.length === 1) this.areas.add(seg.words[0]);
      for (const w of SCOPE_WORDS) this.areas.delete(w);
    }
    return this.areas;
  }

  /** The product's goal recipes, resolved against this schema. */
  get recipes(): RecipeBook {
    return (this.recipeBook ??= new RecipeBook(this.catalog, this.knowledge.recipes));
  }

  private knows(word: string): boolean {
    if (this.data.vocabulary.has(word) || LEXICON.has(word) || this.recipes.vocabulary.has(word)) return true;
    // An inflection of a known word is no typo: "executed", "rebooting", "snapshotted".
    const s = stem(word);
    const forms = [s, `${s}e`, word.replace(/(ed|d|ing|s)$/, '')];
    return forms.some((f) => this.data.vocabulary.has(f) || LEXICON.has(f)) || this.knowledge.concepts.some((c) => c.say.test(word));
  }

  private typoCandidates(): string[] {
    return (this.candidates ??= [...new Set([...this.data.vocabulary, ...TYPO_TARGETS, ...this.recipes.vocabulary])].filter((w) =>
      /^[a-z]{4,}$/.test(w),
    ));
  }

  rank(parsedQuery: ParsedQuery, limit = 10): Ranked {
    const index = this.data.index;
    const query = parsedQuery.text;
    // An absolute path in a request is a value ("/srv/data"), not words of it.
    // A member of an indexed family is named as the config names it ("scsi1", "hostpci0", "net2"): it is the
    // family's setting (`scsi[n]`), whatever its number.
    let raw = words(query.replace(/(^|\s)\/\S*/g, ' ')).map((w) => this.familyOf(w) ?? w);
    // "Which VMs are running": beside a plural guest noun, a state filters the list; it is no subject.
    // So does it beside any plural ("tasks running in the cluster"); and "guests with their status"
    // asks for the list that shows each one's status.
    const plural = (w: string) => w.length > 3 && w !== stem(w) && w.endsWith('s') && this.data.vocabulary.has(stem(w));
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
      parsed.push({
        word: `concept:${c.concept}`,
        terms: c.terms.map(stem),
        settings: c.settings,
        weight: c.weight ?? (c.settings?.length ? 1 : WEIGHTS.concept),
      });
    }
    if (parsed.length === 0) return { hits: [], coverage: 0, confidence: 0 };
    // A word right after an article or a possessive is a noun, whatever verb it also is: "change the schedule",
    // "check my backup", "edit the start order".
    const nouns = new Set([...query.matchAll(DETERMINED)].map((m) => m[1]));
    // So are both words of a compound noun closed by a preposition or the end: "the boot order of vm 4".
    for (const m of query.matchAll(DETERMINED_COMPOUND)) nouns.add(m[1]).add(m[2]);
    const { methods: intents, verbs } = this.intents(raw, QUESTION_OPENERS.has(query.trim().split(/\s+/)[0]?.toLowerCase() ?? ''), nouns);
    if (filtered && !intents.has('LIST')) intents.set('LIST', 1);
    for (const m of ruled) intents.set(m, 1);
    // A question that changes something and names a guest setting points at the operations setting it.
    // Removing a device or setting from a guest ("remove net1 from vm 12", "detach the CD") changes
    // the guest's config; the guest itself stays.
    const names = (t: string) => parsed.some((g) => g.terms.includes(t));
    // An everyday word for a setting ("disk", "network") counts only beside one guest named by its ID.
    const ofGuest =
      (parsedQuery.concepts.some((c) => c.settings?.length) && GUEST_TERMS.some(names)) ||
      (NAMED_GUEST.test(query) && raw.some((w) => lookup(SETTING_WORDS, w) ?? lookup(SETTING_WORDS, stem(w))));
    if (intents.has('DELETE') && ofGuest) {
      intents.set('PUT', 1);
      intents.set('DELETE', 0.7);
    }
    // Adding something to a pool or group, or removing it from one, changes the membership: neither the
    // pool is destroyed nor a new member made ("remove vm 12 from pool prod", "add bob to the admins group").
    if (MEMBERSHIP.test(query)) {
      for (const [m, v] of intents) if (m !== 'PUT') intents.set(m, Math.min(v, 0.6));
      intents.set('PUT', 1);
    }
    const writes = (intents.get('PUT') ?? 0) + (intents.get('POST') ?? 0) > 0;
    const n = this.catalog.operations.length;
    // Words that come down to the same PVE terms ("running or stopped" -> status) count once.
    const distinct = new Map<string, (typeof parsed)[number]>();
    const settingsOf = (g: { word: string; settings?: string[] }) =>
      g.settings ?? lookup(SETTING_WORDS, g.word) ?? lookup(SETTING_WORDS, stem(g.word));
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
        const df = Math.min(...g.terms.map((t) => this.data.df.get(t) ?? 0).filter((d) => d > 0), n + 1);
        const rare = df > n || df <= RARE_IN_OPERATIONS;
        const weight = g.weight ?? (PURE_VERBS.has(g.terms[0]) ? WEIGHTS.pureVerb : GENERIC_WORDS.has(g.word) ? WEIGHTS.generic : 1);
        return { word: g.word, terms: g.terms, weight, idf: df > n ? maxIdf : Math.log(1 + n / df), cue: rare };
      }),
    );
    const groups: Group[] = [...distinct.values()]
      .filter((g) => g.terms.some((t) => this.data.vocabulary.has(t)))
      .map((g) => {
        const df = Math.min(...g.terms.map((t) => this.data.df.get(t) ?? n));
        const weight =
          g.weight ??
          (PURE_VERBS.has(g.terms[0])
            ? WEIGHTS.pureVerb
            : GENERIC_WORDS.has(g.word) || this.filler(g.word)
              ? WEIGHTS.generic
              : PRODUCT_WORDS.has(g.word)
                ? WEIGHTS.product
                : 1);
        return { ...g, weight, idf: Math.log(1 + n / Math.max(df, 1)) };
      });
    if (groups.length === 0) return { hits: [], coverage: 0, confidence: 0, recipe };
    // The object picks the area, the verb the method: beside a thing of its own area (a replication job,
    // a Ceph service, a task), an action verb that is also a guest's action ("stop", "start") only says
    // what to do with that thing.
    const areas = this.areaWords();
    // A power verb names no area itself, even one INTENT does not list ("kill" is `stop`).
    const namesArea = groups.some(
      (g) =>
        !lookup(INTENT, g.word) &&
        !POWER_VERBS.has(g.word) &&
        !g.word.startsWith('concept:') &&
        g.terms.some((t) => areas.has(t) && !POWER_VERBS.has(t)),
    );
    if (namesArea) for (const g of groups) if (POWER_VERBS.has(g.word) && g.weight === 1) g.weight = WEIGHTS.verbBesideArea;
    // Each word scores by its best-matching term (its own stem or a PVE word for it), so a word with
    // several synonyms does not outweigh a word with one; the words' scores then add up.
    const total = new Map<number, { score: number; covered: number; words: string[]; why?: string }>();
    const aboutGuest = NAMED_GUEST.test(query) || GUEST_TERMS.some((t) => groups.some((g) => g.terms.includes(t)));
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
        // A guest setting's concept ("RAM", "swap") that neither changes anything nor names a guest is about
        // the node's or the cluster's figures, not the operations that set it.
        const setters = group.settings && !writes && !aboutGuest ? undefined : this.data.byParam.get(term);
        if (setters && setters.length <= PARAM_SPREAD) {
          const bonus = PARAM_BONUS * w * group.idf;
          for (const id of setters) best.set(id, Math.max(best.get(id) ?? 0, bonus));
        }
      });
      // A concept's settings point at their operations whatever the verb ("what CPU type does vm 7 use"
      // reads the config); an everyday word's only when something is changed ("add a disk").
      const settings = writes ? settingsOf(group) : aboutGuest ? group.settings : undefined;
      for (const name of settings ?? []) {
        const setters = this.data.byParam.get(name);
        if (!setters || setters.length > PARAM_SPREAD) continue;
        // Weighed by how specific the setting is (`scsi`), not the everyday word ("disk").
        const idf = Math.log(1 + n / Math.max(this.data.df.get(name) ?? n, 1));
        const bonus = PARAM_BONUS * (group.settings ? WEIGHTS.conceptSetting : 1) * group.weight * Math.max(group.idf, idf);
        for (const id of setters) best.set(id, Math.max(best.get(id) ?? 0, bonus));
      }
      for (const [id, score] of best) {
        const entry = total.get(id) ?? { score: 0, covered: 0, words: [] };
        entry.score += score;
        entry.words.push(group.word);
        entry.covered += group.weight * group.idf;
        if (DEBUG) entry.why = `${entry.why ?? ''} ${group.word}=${score.toFixed(1)}`;
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
    const creating = raw.some((w) => CREATE_VERBS.has(w) || w === 'add');
    const scored: Array<{ id: number; score: number; why?: string }> = [];
    for (const [id, entry] of total) {
      const coverage = entry.covered / wanted;
      const intent = this.intentFactor(id, intents, verbs, creating);
      scored.push({ id, score: entry.score * (0.3 + coverage) ** 1.5 * intent * this.data.shape[id] });
      if (DEBUG) scored[scored.length - 1].why = `${entry.why} cov=${coverage.toFixed(2)} int=${intent.toFixed(2)}`;
    }
    // The path's fit (at most 1) re-ranks only the leaders: an operation outside them would need a
    // fit several times better than theirs to overtake.
    scored.sort((a, b) => b.score - a.score);
    const leaders = scored.slice(0, Math.max(limit * 4, 40));
    for (const r of leaders) {
      const fit = this.pathFit(r.id, ctx);
      r.score *= fit;
      if (DEBUG) r.why += ` fit=${fit.toFixed(2)} shape=${this.data.shape[r.id].toFixed(2)}`;
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
    // The best hit does what the request's verb says ("restore vm 100 from last night's backup"): an operation, not a goal.
    // It must also account for the thing acted on: a guest's reboot does not answer "reboot pve1 without downtime".
    const isVerb = (w: string) => verbs.includes(stem(w));
    const acts =
      !!best && best.words.some(isVerb) && best.words.some((w) => !isVerb(w) && (groups.find((g) => g.word === w)?.weight ?? 0) >= 0.5);
    return { hits, coverage, confidence, groups, recipe, topWords: new Set(best?.words ?? []), acts };
  }

  /**
   * Which HTTP methods the question asks for, with a strength. Action verbs ("delete", "log in") beat
   * words that only lean towards reading ("get a ticket", "what", "status").
   */
  private intents(raw: string[], question: boolean, nouns: ReadonlySet<string>): { methods: Map<Intent, number>; verbs: string[] } {
    const strong = new Map<Intent, number>();
    const weak = new Map<Intent, number>();
    const nounish = new Map<Intent, number>();
    const verbs: string[] = [];
    // A request opening with an action's name is an imperative: "snapshot a VM", "sync users".
    if (raw.length > 1 && !lookup(INTENT, raw[0]) && (ACTION_NOUNS.has(raw[0]) || this.data.actions.has(stem(raw[0]))))
      strong.set('POST', 1);
    for (const word of raw) {
      // Only a verb's plain form gives an intent: "stopped", "settings" and "changes" are states and things.
      const found = lookup(INTENT, word);
      if (!found) continue;
      // After an article the word is a noun: it says what is wanted only when nothing else does ("run the sync",
      // "what is the boot order" vs "a sync").
      const into = nouns.has(word) ? nounish : WEAK_INTENT.has(word) ? weak : strong;
      if (into === strong) verbs.push(stem(word));
      const list = Array.isArray(found) ? found : [found];
      // The first method a verb names is its usual one; later ones are what it sometimes means.
      list.forEach((m, i) => into.set(m, Math.max(into.get(m) ?? 0, i === 0 ? 1 : 0.7)));
    }
    // A request phrased as a question ("are there updates waiting", "does vm 7 have a snapshot") reads.
    if (question && !weak.has('GET')) weak.set('GET', 1);
    const intents = strong.size > 0 ? strong : weak.size > 0 ? weak : nounish;
    // "interfaces of a node", "show the OSDs": a plural asks for a collection when reading.
    const plural = raw.some((w) => w.length > 3 && w.endsWith('s') && stem(w) !== w && this.data.vocabulary.has(stem(w)));
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
    const segs = this.data.segments[id];
    // A command's name is explained by what it answers: "IP address" explains `network-get-interfaces`.
    const meant = this.data.meaning[id].flatMap((w) => ctx.explains(w));
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
    if (terms.has('node') && !GUEST_TERMS.some((t) => terms.has(t)) && this.data.guestScoped[id]) fit *= 0.55;
    // Bulk operations (`stopall`, `/bulk-action/`) act on everything; they answer only when asked so.
    if (this.data.bulk[id] && !ctx.bulk) fit *= 0.7;
    for (const seg of segs) if (QUALIFIED_AREAS.has(seg.text) && !terms.has(seg.text)) fit *= 0.8;
    const leaf = segs.at(-1);
    if (leaf && leaf.words.some((w) => ACTION_WORDS.has(w) && ctx.explains(w).length === 0)) fit *= 0.7;
    // Changing a setting of a guest is not creating one.
    if (ctx.changesSetting && this.data.collection[id] && this.catalog.operations[id].method === 'POST') fit *= 0.7;
    if (ctx.namedGuest) {
      const op = this.catalog.operations[id];
      if (op.method === 'POST' && GUEST_COLLECTION.test(op.path)) fit *= WEIGHTS.createForNamedGuest;
      else if (!this.data.guestScoped[id]) fit *= WEIGHTS.elsewhereForNamedGuest;
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
  /** An everyday word that names neither a PVE thing, a verb nor a path of the schema ("when", "last", but not "out"). */
  private filler(word: string): boolean {
    return COMMON_WORDS.has(word) && !lookup(SYNONYMS, word) && !lookup(INTENT, word) && !this.areaWords().has(word);
  }

  /**
   * Whether a POST creates an item (of a collection, or one named by its last path parameter) rather than
   * acting: `POST .../vzdump` "Create backup" is an action one starts.
   */
  private createsItem(id: number): boolean {
    this.creates ??= this.catalog.operations.map(
      (op, i) =>
        op.method === 'POST' &&
        (this.data.collection[i] || (op.path.endsWith('}') && /^(create|add|new|register|generate)\b/i.test(op.summary))),
    );
    return this.creates[id];
  }

  private intentFactor(id: number, intents: Map<Intent, number>, verbs: string[], creating: boolean): number {
    const op = this.catalog.operations[id];
    if (intents.size === 0) return op.method === 'GET' ? 1.15 : 1;
    const wantsList = intents.get('LIST') ?? 0;
    let strength = Math.max(intents.get(op.method) ?? 0, op.method === 'GET' ? wantsList : 0);
    // A reader whose summary merely mentions the verb as a noun ("with pending changes") does not.
    if (strength < 1 && (op.method !== 'GET' || intents.has('GET')) && verbs.some((v) => this.data.summaryWords[id].has(v))) strength = 1;
    // POST both creates things and acts on them: stopping or restarting something is no creation of it
    // ("stop the ceph manager" is not `POST .../mgr/{id}`, which creates one). Starting may be: "start replicating vm 5".
    if (op.method === 'POST' && this.createsItem(id) && verbs.some((v) => v !== 'start' && POWER_VERBS.has(v)) && !creating)
      strength *= WEIGHTS.createForAction;
    // Nor is it destroying it: stopping a task deletes the task, stopping a Ceph manager does not destroy it.
    if (op.method === 'DELETE' && /^(destroy|delete|remove)\b/i.test(op.summary) && verbs.some((v) => POWER_VERBS.has(v)))
      strength *= WEIGHTS.createForAction;
    let f = 0.55 + 1.25 * strength;
    if (wantsList && op.method === 'GET') f *= op.path.endsWith('}') ? 0.7 : this.data.collection[id] ? 1.3 : 1.1;
    return f;
  }
}
