import type { Catalog, HttpMethod, Operation } from './catalog.js';
import { splitPath } from './catalog.js';
import { renderDetail, renderList, type RefusalOf } from './render.js';
import { searchFor } from './search-cache.js';
import type { Ranked } from './search.js';
import type { RecipeMatch } from './search-recipes.js';
import type { Concept } from './knowledge/index.js';
import { clip } from '../output/budget.js';

// The answers of the proxmox-api-schema tool: search, browsing by tag or path, one operation's detail.

const LIST_CAP = 30;
const SEARCH_RESULTS = 8;

export interface DiscoveryArgs {
  query?: string;
  tag?: string;
  path?: string;
  method?: string;
  params?: string[];
}

export interface DiscoveryAnswer {
  text: string;
  isError?: boolean;
  /** The operations a list answer shows, best first. */
  operations?: Operation[];
  /** The operation a detail answer describes. */
  detail?: Operation;
}

/** Where the answer is given: the search cache, and what the cluster's policy refuses (marked in answers). */
export interface AnswerContext {
  cacheDir?: string;
  refusal?: RefusalOf;
}

export function answer(catalog: Catalog, args: DiscoveryArgs, ctx: AnswerContext = {}): DiscoveryAnswer {
  const method = args.method as HttpMethod | undefined;
  if (args.path?.trim()) return byPath(catalog, args.path.trim(), method, args.params, ctx);
  if (args.query?.trim()) return byQuery(catalog, args.query.trim(), method, args.tag, ctx);
  if (args.tag?.trim()) return byTag(catalog, args.tag.trim(), method, ctx);
  return { text: overview(catalog) };
}

function byPath(
  catalog: Catalog,
  path: string,
  method: HttpMethod | undefined,
  params: string[] | undefined,
  ctx: AnswerContext,
): DiscoveryAnswer {
  const found = catalog.match(path);
  if (!found) {
    const under = catalog.subtree(path).filter((op) => !method || op.method === method);
    if (under.length) return { text: capped(under, `Operations under ${path}`, ctx), operations: under.slice(0, LIST_CAP) };
    return {
      isError: true,
      text: `Unknown API path ${clip(path)}. Nearest: ${catalog.nearestPaths(path, 5).join(', ')}`,
    };
  }
  const { template, pathParams } = found;
  const values = Object.entries(pathParams);
  const matched = template !== path && values.length ? `(${template} with ${values.map(([k, v]) => `${k}=${v}`).join(', ')})\n` : '';
  const methods = catalog.methodsFor(template);
  if (method) {
    const op = catalog.get(method, template);
    if (!op) {
      const has = methods.length ? `it has ${methods.join(', ')}` : 'it only groups the paths below it';
      return { isError: true, text: `${template} has no ${method}; ${has}.` };
    }
    return { text: matched + renderDetail(op, { params, refusal: ctx.refusal }), detail: op };
  }
  const below = childrenLine(catalog, template);
  if (methods.length === 1) {
    const only = catalog.get(methods[0], template)!;
    return { text: [matched + renderDetail(only, { params, refusal: ctx.refusal }), below].filter(Boolean).join('\n'), detail: only };
  }
  const ops = methods.map((m) => catalog.get(m, template)!);
  const lines = [matched + renderList(ops, { refusal: ctx.refusal }), below];
  if (ops.length) lines.push(`Details: add method=${ops[0].method}`);
  return { text: lines.filter(Boolean).join('\n'), operations: ops };
}

function childrenLine(catalog: Catalog, template: string): string | undefined {
  const children = catalog.childrenOf(template);
  if (!children.length) return undefined;
  const shown = children.slice(0, 20).map((c) => c.slice(template.length));
  return `Below: ${shown.join(' ')}${children.length > 20 ? ` ... (${children.length - 20} more)` : ''}`;
}

/** A question is a sentence; anything longer is cut so that neither the search nor the answer balloons. */
const MAX_QUERY_WORDS = 40;

function byQuery(
  catalog: Catalog,
  fullQuery: string,
  method: HttpMethod | undefined,
  tag: string | undefined,
  ctx: AnswerContext,
): DiscoveryAnswer {
  const words = fullQuery.split(/\s+/);
  const query = words.slice(0, MAX_QUERY_WORDS).join(' ').slice(0, 400);
  const scope = tag?.trim() ? new Set(catalog.subtree(tag.trim())) : undefined;
  const filtered = !!method || !!scope;
  const search = searchFor(catalog, ctx.cacheDir);
  const parsed = search.parse(query);
  const ranked = search.rank(parsed, filtered ? 200 : SEARCH_RESULTS);
  const keep = (op: Operation) => (!method || op.method === method) && (!scope || scope.has(op));
  const hits = ranked.hits
    .map((h) => h.op)
    .filter(keep)
    .slice(0, SEARCH_RESULTS);
  const goal = filtered ? undefined : goalFor(ranked, hits);
  if (hits.length === 0 && !goal) {
    return {
      text: `Nothing matches "${clip(query)}". Try other words, or browse with tag= (${topAreas(catalog).slice(0, 8).join(', ')}).`,
      operations: [],
    };
  }
  const mended = parsed.corrected.length ? `(read as: ${parsed.corrected.map(([a, b]) => `${clip(a, 30)}->${b}`).join(', ')})` : '';
  if (goal) {
    // The step that achieves the goal leads the operations; the text keeps the order to follow.
    const recipeSteps = search.recipes.forGuest(goal.match.recipe, guestKind(query));
    const steps = [...recipeSteps.filter((s) => s.main), ...recipeSteps.filter((s) => !s.main)].map((s) => s.op);
    const before = goal.leads ? [] : hits.slice(0, GOAL_AFTER);
    // Beside a goal, only the best two other hits: the rest of a goal's hits are mostly its incidental words.
    const rest = hits
      .filter((op) => !before.includes(op) && !steps.includes(op))
      .slice(0, Math.min(GOAL_ALSO, SEARCH_RESULTS - before.length - steps.length));
    const lines = [
      mended,
      before.length ? renderList(before, { refusal: ctx.refusal }) : '',
      `Goal "${goal.match.recipe.goal}", in order:`,
      ...recipeSteps.map((s, i) => `  ${i + 1}. ${s.op.method} ${s.op.path}  ${s.why}${s.main ? ' (the step that does it)' : ''}`),
      rest.length ? `Also: ${rest.map((op) => `${op.method} ${op.path}`).join(', ')}` : '',
      `Details: proxmox-api-schema path=<path> method=<method>`,
    ];
    return { text: lines.filter(Boolean).join('\n'), operations: [...new Set([...before, ...steps, ...rest])] };
  }
  const top = hits[0];
  const lines = [
    mended,
    renderList(hits, { note: `Details: proxmox-api-schema path=${top.path} method=${top.method}`, refusal: ctx.refusal }),
  ];
  const settings = settingsLine(parsed.concepts, top);
  if (settings) lines.push(settings);
  // Honest confidence: the best hit accounts for little of the request.
  if (ranked.confidence < WEAK_CONFIDENCE)
    lines.push(`Weak match: no operation covers most of these words. Closest areas to browse: ${closestAreas(hits).join(', ')} (tag=...).`);
  return { text: lines.filter(Boolean).join('\n'), operations: hits };
}

/** The one guest type a request names, if it names one: containers and VMs have their own operations. */
function guestKind(query: string): 'qemu' | 'lxc' | undefined {
  const lxc = /\b(ct|cts|container|containers|lxc|pct)\b/i.test(query);
  const qemu = /\b(vm|vms|qemu|kvm|qm|virtual machines?)\b/i.test(query);
  return lxc === qemu ? undefined : lxc ? 'lxc' : 'qemu';
}

/** A best hit that accounts for less of the request than this (words weighed by specificity) is a weak match. */
const WEAK_COVERAGE = 0.5;
/** Below this confidence (unknown words counted too) the answer says the match is weak. */
const WEAK_CONFIDENCE = 0.35;
/** How many plain hits stay before a goal's steps when the hits answer the request well themselves. */
const GOAL_AFTER = 2;
/** A goal leads when it accounts for this much more of the request than the best single operation. */
const GOAL_LEAD_MARGIN = 0.05;
/** A goal fits when it accounts for this share of the request's weighed words. */
const GOAL_COVERAGE = 0.6;
/** Other hits named beside a goal's steps. */
const GOAL_ALSO = 2;

/**
 * Whether a goal recipe answers the request, and whether it leads: a recipe fits when it accounts for
 * at least three of the request's words and most of its weight; it leads when the request's words
 * are better explained by the goal than by any one operation, and that operation is not one of its steps.
 */
function goalFor(ranked: Ranked, hits: Operation[]): { match: RecipeMatch; leads: boolean } | undefined {
  const match = ranked.recipe;
  // A goal shown beside good hits must say something they do not, or account for nearly all the request.
  if (!match || match.coverage < GOAL_COVERAGE) return undefined;
  // Cues: goal words that few operations hold and the best hit does not account for ("without downtime").
  const cues = match.cueWords.filter((w) => !ranked.topWords?.has(w)).length;
  // Two words of a goal do when one of them is a cue only this goal or one other holds ("vm 12 freezes");
  // otherwise it takes three.
  const distinctive = match.distinctive.some((w) => !ranked.topWords?.has(w));
  if (match.matched < (distinctive ? 2 : 3)) return undefined;
  if (cues === 0 && match.coverage < 0.9) return undefined;
  const inRecipe = hits[0] && match.recipe.steps.some((s) => s.op === hits[0]);
  // Only a request that says something no operation holds ("keeps crashing", "without downtime") is a goal first.
  // A request whose verb the best hit carries out ("restore", "unlock") is answered by that hit first.
  const leads =
    !hits.length ||
    (!inRecipe && !ranked.acts && cues > 0 && (match.coverage >= ranked.coverage + GOAL_LEAD_MARGIN || ranked.coverage < WEAK_COVERAGE));
  return { match, leads };
}

/** The parameters that hold the settings the request names, when the best hit takes them. */
function settingsLine(concepts: Concept[], op: Operation): string | undefined {
  const names = new Set(concepts.flatMap((c) => c.settings ?? []));
  if (names.size === 0) return undefined;
  const found = op.params.filter((p) => names.has(p.name.replace('[n]', '').replace(/\d+$/, '')) || names.has(p.name));
  if (found.length === 0) return undefined;
  return `Settings for this: ${found
    .slice(0, 6)
    .map((p) => p.name)
    .join(', ')} (params=<name> shows one)`;
}

function closestAreas(hits: Operation[]): string[] {
  return [...new Set(hits.map(areaOf))].slice(0, 3);
}

function byTag(catalog: Catalog, tag: string, method: HttpMethod | undefined, ctx: AnswerContext): DiscoveryAnswer {
  const ops = catalog.subtree(tag).filter((op) => !method || op.method === method);
  if (ops.length === 0) {
    const near = catalog.suggestTags(tag);
    return { isError: true, text: `No operations for tag '${clip(tag)}'.${near.length ? ` Did you mean: ${near.join(', ')}?` : ''}` };
  }
  return { text: capped(ops, `tag ${tag}`, ctx), operations: ops.slice(0, LIST_CAP) };
}

function capped(ops: Operation[], what: string, ctx: AnswerContext): string {
  if (ops.length <= LIST_CAP) return renderList(ops, { refusal: ctx.refusal });
  return renderList(ops.slice(0, LIST_CAP), {
    refusal: ctx.refusal,
    total: ops.length,
    note: `${ops.length} operations in ${what}: narrow with a longer path, method=, or query=.`,
  });
}

/** Areas are the first literal segments that tell operations apart: /cluster/ha, /nodes/{node}/qemu, /access/users ... */
function areaOf(op: Operation): string {
  const segs = splitPath(op.path);
  const take = segs[0] === 'nodes' && segs.length > 1 ? 3 : 2;
  return `/${segs.slice(0, take).join('/')}`;
}

function topAreas(catalog: Catalog): string[] {
  const counts = new Map<string, number>();
  for (const op of catalog.operations) {
    const tag = splitPath(op.path).filter((s) => !s.startsWith('{'))[segmentsForTag(op)];
    if (tag) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([t]) => t);
}

const segmentsForTag = (op: Operation) => (op.path.startsWith('/nodes/') ? 1 : op.path.split('/').length > 2 ? 1 : 0);

function overview(catalog: Catalog): string {
  const counts = new Map<string, number>();
  for (const op of catalog.operations) counts.set(areaOf(op), (counts.get(areaOf(op)) ?? 0) + 1);
  const groups = new Map<string, string[]>();
  for (const [area, n] of [...counts].sort()) {
    const root = area.startsWith('/nodes/') ? '/nodes/{node}' : `/${splitPath(area)[0]}`;
    const rest = area.slice(root.length).replace(/^\//, '') || '.';
    groups.set(root, [...(groups.get(root) ?? []), `${rest} ${n}`]);
  }
  const version = catalog.version ? ` (PVE ${catalog.version})` : '';
  return [
    `${catalog.operations.length} API operations${version}, by area (operation counts):`,
    ...[...groups].map(([root, parts]) => `${root}: ${parts.join(', ')}`),
    'Examples: query="start a container", tag=storage, path=/nodes/{node}/qemu/{vmid}/config method=PUT',
  ].join('\n');
}
