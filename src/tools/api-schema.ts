import * as z from 'zod';
import type { Operation } from '../schema/catalog.js';
import type { RefusalOf } from '../schema/render.js';
import { within } from '../within.js';
import { sideEffectOf } from '../safety/side-effects.js';
import { methodInput } from './api-input.js';
import { defineTool } from './define.js';

/**
 * Discovery answers from the schema: it marks what the token lacks only when the privileges are at hand
 * (fetched at start-up), and never waits long for a slow or unreachable node (unmarked is the safe answer).
 */
const PERMISSIONS_WAIT_MS = 300;

const input = z.object({
  query: z.string().optional().describe('plain words'),
  tag: z.string().optional().describe('area, e.g. qemu, storage'),
  path: z.string().optional().describe('with method: its parameters'),
  method: methodInput.optional(),
  params: z.array(z.string()).optional().describe('show these in full'),
});

export const apiSchemaTool = defineTool({
  name: 'proxmox-api-schema',
  title: 'Proxmox API schema',
  description: 'Find the operation for a task, then its parameters (units, formats), before calling it. E.g. {"query":"grow a vm disk"}',
  input,
  output: z.object({}).passthrough(),
  kind: 'read',
  local: true,
  async run(args, env) {
    const ctx = env.cluster(args.cluster);
    // Search and rendering load with the first question, not at start-up; alongside the schema.
    const [catalog, { answer }] = await Promise.all([ctx.catalog(), import('../schema/discovery.js')]);
    if (!catalog) {
      return {
        isError: true,
        text: [
          `No API schema is available for cluster '${ctx.name}'${ctx.schemaProblem ? `: ${ctx.schemaProblem}` : '.'}`,
          'Set PROXMOX_SCHEMA_FILE to a copy of apidoc.js (https://HOST:8006/pve-docs/api-viewer/apidoc.js) or its JSON array.',
        ].join('\n'),
      };
    }
    // The token's privileges mark what it cannot call (only what is certain: see safety/permissions.ts).
    // Discovery does not wait long on a slow cluster: unmarked is the safe answer.
    const privileges = ctx.permissions ? await within(ctx.permissions.current(), PERMISSIONS_WAIT_MS) : undefined;
    const { evaluatePermissions } = await import('../safety/permissions.js');
    const refusal: RefusalOf = (op) => {
      const d = ctx.policy.check(op.method, op.path);
      if (!d.allowed) return d.reason ?? 'refused by policy';
      const v = privileges ? evaluatePermissions(op.permissions, privileges) : undefined;
      return v?.kind === 'denied' ? `the API token lacks ${v.missing}` : undefined;
    };
    const found = answer(catalog, args, { cacheDir: env.config.cacheDir, refusal });
    if (found.isError) return found;
    const effect = (op: Operation) => sideEffectOf(op.method, op.path);
    const brief = (op: Operation) => ({
      method: op.method,
      path: op.path,
      summary: op.summary,
      ...(refusal(op) ? { refused: true } : {}),
      ...(effect(op) ? { sideEffect: effect(op) } : {}),
    });
    const structured = found.detail
      ? {
          operation: {
            ...brief(found.detail),
            pathParams: found.detail.pathParams,
            params: found.detail.params.map((p) => ({ name: p.name, type: p.type, optional: p.optional })),
          },
        }
      : { operations: (found.operations ?? []).map(brief), total: found.operations ? found.operations.length : catalog.operations.length };
    return {
      text: markSideEffects(found.text, found.detail ? [found.detail] : (found.operations ?? []), Boolean(found.detail)),
      structured,
    };
  },
});

/**
 * GETs that act on the outside world (fetch a URL, contact a registry, scan hosts) are marked, so a model
 * does not take them for plain reads; read-only mode refuses them unless PROXMOX_ALLOW names them.
 */
function markSideEffects(text: string, ops: readonly Operation[], detail: boolean): string {
  const marked = ops.filter((op) => sideEffectOf(op.method, op.path));
  if (!marked.length) return text;
  const lines = text.split('\n');
  if (detail) {
    const why = sideEffectOf(marked[0].method, marked[0].path);
    lines.splice(1, 0, `SIDE EFFECT: this GET ${why}; read-only mode refuses it unless PROXMOX_ALLOW names it.`);
    return lines.join('\n');
  }
  const paths = new Set(marked.map((op) => op.path));
  return lines
    .map((line) => {
      const m = /^GET (\S+)(\s+)/.exec(line);
      return m && paths.has(m[1]) ? `${m[0]}[side effect] ${line.slice(m[0].length)}` : line;
    })
    .join('\n');
}
