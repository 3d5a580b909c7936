import type { Catalog, HttpMethod, Operation } from './catalog.js';
import type { Recipe } from './knowledge/index.js';
import { termsOf, words } from './search-query.js';

// Goal recipes as documents: each is matched on its words like an operation on its text, and answers
// with its steps in order. Steps resolve against the loaded schema, so a recipe never names an
// operation this PVE version lacks (and a recipe with no step left is dropped).

export interface ResolvedRecipe {
  goal: string;
  steps: Array<{ op: Operation; why: string; main?: boolean }>;
  terms: ReadonlySet<string>;
}

/** One request word, as the ranking weighs it. */
export interface WeighedWord {
  word: string;
  terms: string[];
  weight: number;
  idf: number;
  /** No operation holds the word ("crashing", "downtime"): it says what the goal is, not which call. */
  cue?: boolean;
}

export interface RecipeMatch {
  recipe: ResolvedRecipe;
  /** Share of the request's weighed words the recipe accounts for (0..1). */
  coverage: number;
  /** How many distinct request words it matched. */
  matched: number;
  /** Those of them that few or no operations hold: they say what the goal is. */
  cueWords: string[];
  /** Cue words that at most two goals hold ("freezes", not "keep"): one of them with one more word names the goal. */
  distinctive: string[];
}

/** A word weighing less than this (filler, pure verbs) counts towards no goal's matched words. */
const MATCHING_WEIGHT = 0.5;
/** A word held by at most this many goals tells them apart. */
const DISTINCTIVE_IN_GOALS = 2;

export class RecipeBook {
  readonly recipes: ResolvedRecipe[];
  /** Every word the recipes know, so that typo mending leaves them alone. */
  readonly vocabulary: ReadonlySet<string>;
  private readonly terms: ReadonlySet<string>;
  /** How many goals hold each term. */
  private readonly goalsWith = new Map<string, number>();

  /**
   * The recipe's steps for the guest type a request names: a recipe written with a VM's operations answers
   * a question about a container with the container's operations, where the schema has them; a step the other
   * kind alone has (a VM's guest agent) is left out, unless nothing else would be left.
   */
  forGuest(recipe: ResolvedRecipe, guest: 'qemu' | 'lxc' | undefined): ResolvedRecipe['steps'] {
    if (!guest) return recipe.steps;
    const other = guest === 'lxc' ? '/qemu/{vmid}' : '/lxc/{vmid}';
    const steps = recipe.steps.flatMap((s) => {
      if (!s.op.path.includes(other)) return [s];
      const op = this.catalog.get(s.op.method, s.op.path.replace(other, `/${guest}/{vmid}`));
      return op ? [{ ...s, op }] : [];
    });
    // Both kinds' steps may now be one operation twice ("move a VM disk", "move a container volume").
    const distinct = steps.filter((s, i) => steps.findIndex((t) => t.op === s.op) === i);
    return distinct.length ? distinct : recipe.steps;
  }

  constructor(
    private readonly catalog: Catalog,
    recipes: ReadonlyArray<Recipe>,
  ) {
    const vocabulary = new Set<string>();
    this.recipes = [];
    for (const r of recipes) {
      const steps = r.steps.flatMap((s) => {
        const [method, path] = s.op.split(' ');
        const op = catalog.get(method as HttpMethod, path);
        return op ? [{ op, why: s.why, main: s.main }] : [];
      });
      if (steps.length === 0) continue;
      const terms = new Set<string>();
      for (const w of words(`${r.goal} ${r.words}`)) {
        vocabulary.add(w);
        for (const t of termsOf(w)) terms.add(t);
      }
      this.recipes.push({ goal: r.goal, steps, terms });
    }
    this.vocabulary = vocabulary;
    this.terms = new Set(this.recipes.flatMap((r) => [...r.terms]));
    for (const r of this.recipes) for (const t of r.terms) this.goalsWith.set(t, (this.goalsWith.get(t) ?? 0) + 1);
  }

  /** The recipe that accounts for most of the request, if any accounts for two of its words. */
  best(request: ReadonlyArray<WeighedWord>): RecipeMatch | undefined {
    // A word neither an operation nor a goal knows (a name, "almost") tells nothing about the goal.
    const told = request.filter((w) => !w.cue || w.terms.some((t) => this.terms.has(t)));
    const wanted = told.reduce((sum, w) => sum + w.weight * w.idf, 0);
    if (wanted <= 0) return undefined;
    let best: RecipeMatch | undefined;
    for (const recipe of this.recipes) {
      let covered = 0;
      let matched = 0;
      const cueWords: string[] = [];
      const distinctive: string[] = [];
      for (const w of told) {
        const shared = w.terms.filter((t) => recipe.terms.has(t));
        if (shared.length === 0) continue;
        covered += w.weight * w.idf;
        // Filler ("again", "make") and pure verbs add to the coverage but do not make a goal.
        if (w.weight < MATCHING_WEIGHT) continue;
        matched++;
        if (!w.cue) continue;
        cueWords.push(w.word);
        if (shared.some((t) => (this.goalsWith.get(t) ?? 0) <= DISTINCTIVE_IN_GOALS)) distinctive.push(w.word);
      }
      const coverage = covered / wanted;
      if (matched >= 2 && (!best || coverage > best.coverage)) best = { recipe, coverage, matched, cueWords, distinctive };
    }
    return best;
  }
}
