// What discovery knows about a product beyond its schema: the words its admins use for its concepts, and
// the multi-step goals they pursue. One module per product (pve.ts; PBS and PDM plug in beside it).

/**
 * One concept of the product, as its admin guide names it. When a request says it in any of the `say`
 * ways, the request also means the `terms` (words of the schema's own paths and names), and, when it
 * changes something, the operations taking the `settings` parameters (or property-string keys).
 */
export interface Concept {
  concept: string;
  say: RegExp;
  terms: string[];
  settings?: string[];
  /** The phrase names a setting, not an action: its verbs go with it ("start at boot" starts nothing). */
  noVerb?: boolean;
  /** How much it counts as a word of the request (1 unless said): a node's name says where, hardly what. */
  weight?: number;
  /** The words that said it stand for nothing else: `local-lvm` is a storage, not LVM. */
  replaces?: boolean;
}

/** One step of a goal: an operation (`METHOD /path`) and what it is for. */
export interface RecipeStep {
  op: string;
  why: string;
  /** The step that achieves the goal, where checks come before it: answers name it first among the operations. */
  main?: boolean;
}

/**
 * A multi-step goal ("empty a node for maintenance"): matched on its words like an operation is, it
 * answers with its steps in order. Steps whose operation the loaded schema lacks are left out.
 */
export interface Recipe {
  goal: string;
  /** Words a request for this goal tends to hold; the goal's own words count too. */
  words: string;
  steps: RecipeStep[];
}

export interface ProductKnowledge {
  product: string;
  concepts: Concept[];
  recipes: Recipe[];
}
