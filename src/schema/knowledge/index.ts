import { PBS_KNOWLEDGE } from './pbs.js';
import { PDM_KNOWLEDGE } from './pdm.js';
import { PVE_KNOWLEDGE } from './pve.js';
import type { ProductKnowledge } from './types.js';

export type { Concept, ProductKnowledge, Recipe } from './types.js';

/** Knowledge per product; a product without its own module searches with its schema alone. */
const KNOWLEDGE: Record<string, ProductKnowledge> = { pve: PVE_KNOWLEDGE, pbs: PBS_KNOWLEDGE, pdm: PDM_KNOWLEDGE };

export function knowledgeFor(product = 'pve'): ProductKnowledge {
  return Object.hasOwn(KNOWLEDGE, product) ? KNOWLEDGE[product] : { product, concepts: [], recipes: [] };
}
