import { inputRequired, McpServer, type CallToolResult, type StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type * as z from 'zod';
import { CONFIRM_KEY, NeedsConfirmation, confirmationSchema, toolCallFrom } from './call-context.js';
import { ProxmoxHttpError, ProxmoxNetworkError } from './proxmox/errors.js';
import { log } from './log.js';
import { prefixWithin } from './output/budget.js';
import { nestingDepth } from './proxmox/nesting.js';
import type { ToolEnv } from './context.js';
import { ToolError } from './errors.js';
import type { ToolOutput, ToolSpec } from './tools/types.js';
import { VERSION } from './version.js';
import { DigestMemory } from './safety/digests.js';

/** Deeper tool arguments are refused: no parameter takes them, and serialising them would overflow the stack. */
const MAX_ARGUMENT_DEPTH = 32;

export interface ServerOptions {
  tools: readonly ToolSpec[];
  instructions?: string;
  /**
   * One client for the server's whole life (stdio): it remembers the digests of configs read, so edits
   * carry them. Stateless HTTP makes a server per request and leaves this off.
   */
  session?: boolean;
}

/** Bounds and record shapes: the tool checks them and says exactly what is wrong, so the model need not read them every turn. */
const DROPPED_KEYWORDS = new Set([
  '$schema',
  'propertyNames',
  'additionalProperties',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'maxItems',
  'minItems',
]);

/**
 * Every tool schema is sent to the model on every turn, so the advertised JSON Schema is trimmed to
 * what changes a model's call: no `$schema` URL, no record shapes, no numeric or length bounds.
 * Validation still runs through the full zod schema.
 */
export function slimJsonSchema(node: unknown, hide: ReadonlySet<string> = new Set()): unknown {
  if (Array.isArray(node)) return node.map((n) => slimJsonSchema(n));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (DROPPED_KEYWORDS.has(key)) continue;
    if (key === 'properties' && value && typeof value === 'object' && Object.keys(value).length === 0) continue;
    if (key === 'properties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([name]) => !hide.has(name))
          .map(([name, schema]) => [name, slimJsonSchema(schema)]),
      );
      continue;
    }
    out[key] = slimJsonSchema(value);
  }
  // `anyOf` of bare types reads shorter as a type list.
  const anyOf = out.anyOf as Array<Record<string, unknown>> | undefined;
  if (anyOf?.every((s) => Object.keys(s).every((k) => k === 'type'))) {
    delete out.anyOf;
    out.type = anyOf.map((s) => s.type);
  }
  return out;
}

type JsonSchema = Record<string, unknown>;

/** Set by the build (scripts/build.mjs): the tools' JSON Schemas, converted from zod ahead of time. */
declare const __PRECOMPUTED_TOOL_SCHEMAS__: Record<string, { input?: JsonSchema; output?: JsonSchema }> | undefined;
const precomputed = typeof __PRECOMPUTED_TOOL_SCHEMAS__ === 'undefined' ? {} : __PRECOMPUTED_TOOL_SCHEMAS__;

function compact<S extends z.ZodObject>(schema: S, hide: ReadonlySet<string>, ready?: JsonSchema): StandardSchemaWithJSON {
  const std = (schema as unknown as StandardSchemaWithJSON)['~standard'];
  return {
    '~standard': {
      ...std,
      jsonSchema: {
        input: (opts) => slimJsonSchema(ready ?? std.jsonSchema.input(opts), hide) as Record<string, unknown>,
        output: (opts) => slimJsonSchema(ready ?? std.jsonSchema.output(opts)) as Record<string, unknown>,
      },
    },
  } as StandardSchemaWithJSON;
}

/** MCP's defaults for tool hints: a hint with its default value says nothing and costs tokens every turn. */
const HINT_DEFAULTS = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true } as const;

/**
 * Annotations as sent: only the hints that differ from MCP's defaults, and no destructiveHint on a
 * read-only tool (the spec gives it meaning only when readOnlyHint is false). Same meaning, fewer tokens.
 */
export function wireAnnotations(title: string, hints: ToolSpec['annotations']): Record<string, unknown> {
  const out: Record<string, unknown> = { title };
  for (const [key, value] of Object.entries(hints)) {
    if (value === undefined || value === HINT_DEFAULTS[key as keyof typeof HINT_DEFAULTS]) continue;
    if (key === 'destructiveHint' && hints.readOnlyHint) continue;
    out[key] = value;
  }
  return out;
}

/** What the model sees when a call fails: PVE's own words for API errors, ours for everything else. */
export function describeError(err: unknown): string {
  if (err instanceof ProxmoxHttpError) return err.describe();
  if (err instanceof ToolError || err instanceof ProxmoxNetworkError) return err.message;
  if (err instanceof Error) return `internal error: ${err.message}`;
  return `internal error: ${String(err)}`;
}

/**
 * Error answers obey the output budget like any other answer: a node can send megabytes of error text,
 * and a thousand bad parameters make a thousand lines. The start is kept, and the cut is said.
 */
export function withinBudget(text: string, maxTokens: number): string {
  const end = prefixWithin(text, maxTokens);
  if (end >= text.length) return text;
  return `${text.slice(0, end)}\n… (error cut to the answer budget, PROXMOX_MAX_OUTPUT: ${text.length - end} more characters)`;
}

function toResult(out: ToolOutput): CallToolResult {
  const result: CallToolResult = { content: [{ type: 'text', text: out.text }] };
  if (out.isError) result.isError = true;
  if (out.structured) result.structuredContent = out.structured;
  return result;
}

export function createMcpServer(env: ToolEnv, opts: ServerOptions): McpServer {
  const mcp = new McpServer({ name: 'proxmox-mcp', version: VERSION, title: 'Proxmox VE' }, { instructions: opts.instructions });
  const digests = opts.session ? new DigestMemory() : undefined;
  for (const tool of opts.tools) {
    const hide = new Set(tool.quietParams ?? []);
    // The build converted each tool's own input; with `cluster` added (several clusters) it is converted here.
    const ready = 'cluster' in tool.input.shape ? undefined : precomputed[tool.name]?.input;
    mcp.registerTool(
      tool.name,
      {
        description: tool.description,
        inputSchema: compact(tool.input, hide, ready),
        ...(tool.output ? { outputSchema: compact(tool.output, new Set(), precomputed[tool.name]?.output) } : {}),
        annotations: wireAnnotations(tool.title, tool.annotations),
      },
      async (args: unknown, ctx) => {
        try {
          // Arguments nested far deeper than any tool takes would overflow the stack wherever they are serialised.
          if (nestingDepth(args, MAX_ARGUMENT_DEPTH) > MAX_ARGUMENT_DEPTH) {
            throw new ToolError(`the arguments nest deeper than ${MAX_ARGUMENT_DEPTH} levels; no parameter of ${tool.name} takes that`);
          }
          const call = toolCallFrom(mcp, ctx);
          const out = await tool.run(args, env, digests ? { ...call, digests } : call);
          return toResult(out);
        } catch (err) {
          if (err instanceof NeedsConfirmation) {
            return inputRequired({
              inputRequests: {
                [CONFIRM_KEY]: inputRequired.elicit({ message: err.prompt, requestedSchema: confirmationSchema }),
              },
            });
          }
          if (!(err instanceof ToolError || err instanceof ProxmoxHttpError || err instanceof ProxmoxNetworkError)) {
            log.error(`${tool.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          }
          return toResult({
            text: withinBudget(describeError(err), env.config.maxOutputTokens),
            isError: true,
            structured: err instanceof ToolError ? err.structured : undefined,
          });
        }
      },
    );
  }
  return mcp;
}
