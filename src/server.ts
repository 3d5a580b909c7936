import { inputRequired, McpServer, type CallToolResult, type StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type * as z from 'zod';
import { CONFIRM_KEY, NeedsConfirmation, confirmationSchema, toolCallFrom } from './call-context.js';
import { ProxmoxHttpError, ProxmoxNetworkError } from './proxmox/errors.js';
import { log } from './log.js';
import { ToolError, type ToolEnv, type ToolOutput, type ToolSpec } from './tools/types.js';
import { VERSION } from './version.js';

export interface ServerOptions {
  tools: ToolSpec[];
  instructions?: string;
}

/**
 * zod's JSON Schema carries a `$schema` URL on every tool; clients do not need it and it costs
 * tokens on every turn, so the advertised schema drops it. Validation still runs through zod.
 */
function compact<S extends z.ZodObject>(schema: S): StandardSchemaWithJSON {
  const std = (schema as unknown as StandardSchemaWithJSON)['~standard'];
  const strip = (json: Record<string, unknown>) => {
    const { $schema: _drop, ...rest } = json;
    return rest;
  };
  return {
    '~standard': {
      ...std,
      jsonSchema: {
        input: (opts) => strip(std.jsonSchema.input(opts)),
        output: (opts) => strip(std.jsonSchema.output(opts)),
      },
    },
  } as StandardSchemaWithJSON;
}

/** What the model sees when a call fails: PVE's own words for API errors, ours for everything else. */
export function describeError(err: unknown): string {
  if (err instanceof ProxmoxHttpError) return err.describe();
  if (err instanceof ToolError || err instanceof ProxmoxNetworkError) return err.message;
  if (err instanceof Error) return `internal error: ${err.message}`;
  return `internal error: ${String(err)}`;
}

function toResult(out: ToolOutput): CallToolResult {
  const result: CallToolResult = { content: [{ type: 'text', text: out.text }] };
  if (out.isError) result.isError = true;
  if (out.structured) result.structuredContent = out.structured;
  return result;
}

export function createMcpServer(env: ToolEnv, opts: ServerOptions): McpServer {
  const mcp = new McpServer(
    { name: 'proxmox-mcp', version: VERSION, title: 'Proxmox VE' },
    { instructions: opts.instructions },
  );
  for (const tool of opts.tools) {
    mcp.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: compact(tool.input),
        ...(tool.output ? { outputSchema: compact(tool.output) } : {}),
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (args: unknown, ctx) => {
        try {
          const out = await tool.run(args as z.infer<typeof tool.input>, env, toolCallFrom(mcp, ctx));
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
          return toResult({ text: describeError(err), isError: true });
        }
      },
    );
  }
  return mcp;
}
