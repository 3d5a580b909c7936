import type { Catalog, HttpMethod, Operation } from './catalog.js';
import type { Recipe } from './knowledge/index.js';
import { termsOf, words } from './search-query.js';

// Goal recipes as documents: each is matched on its words like an operation on its text, and answers
// with its steps in order. Steps resolve against the loaded schema, so a recipe never names an
// operation this PVE version lacks (and a recipe with no step left is dropped).

export interface ResolvedRecipe {
  goal: string;
  steps: Array<{ op: Operation; why: string }>;
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
}

export class RecipeBook {
  readonly recipes: ResolvedRecipe[];
  /** Every word the recipes know, so that typo mending leaves them alone. */
  readonly vocabulary: ReadonlySet<string>;
  private readonly terms: ReadonlySet<string>;

  constructor(catalog: Catalog, recipes: ReadonlyArray<Recipe>) {
    const vocabulary = new Set<string>();
    this.recipes = [];
    for (const r of recipes) {
      const steps = r.steps.flatMap((s) => {
        const [method, path] = s.op.split(' ');
        const op = catalog.get(method as HttpMethod, path);
        return op ? [{ op, why: s.why }] : [];
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
      for (const w of told) {
        if (!w.terms.some((t) => recipe.terms.has(t))) continue;
        covered += w.weight * w.idf;
        matched++;
        if (w.cue) cueWords.push(w.word);
      }
      const coverage = covered / wanted;
      if (matched >= 2 && (!best || coverage > best.coverage)) best = { recipe, coverage, matched, cueWords };
    }
    return best;
  }
}
