import { PVE_KNOWLEDGE } from './pve.js';
import type { ProductKnowledge } from './types.js';

export type { Concept, ProductKnowledge, Recipe, RecipeStep } from './types.js';

/** Knowledge per product; a product without its own module searches with its schema alone. */
const KNOWLEDGE: Record<string, ProductKnowledge> = { pve: PVE_KNOWLEDGE };

export function knowledgeFor(product = 'pve'): ProductKnowledge {
  return KNOWLEDGE[product] ?? { product, concepts: [], recipes: [] };
}
