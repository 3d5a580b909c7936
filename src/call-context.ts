import { acceptedContent, CLIENT_CAPABILITIES_META_KEY, type ServerContext } from '@modelcontextprotocol/server';
import type { McpServer } from '@modelcontextprotocol/server';
import type { ToolCall } from './tools/types.js';

const CONFIRM_KEY = 'confirm';

/**
 * Thrown by `elicitConfirm` on a 2026-07-28 request: the tool result becomes an `input_required`
 * answer, and the client retries the same call carrying the human's answer.
 */
export class NeedsConfirmation extends Error {
  constructor(readonly prompt: string) {
    super(prompt);
    this.name = 'NeedsConfirmation';
  }
}

export const confirmationSchema = {
  type: 'object' as const,
  properties: { confirm: { type: 'boolean' as const, title: 'Run it', description: 'Allow this operation' } },
  required: ['confirm'],
};

/** Builds the per-call facilities a tool handler gets from one MCP request. */
export function toolCallFrom(mcp: McpServer, ctx: ServerContext): ToolCall {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  const modernEra = Object.keys(envelope).length > 0;
  const caps = (modernEra ? envelope[CLIENT_CAPABILITIES_META_KEY] : mcp.server.getClientCapabilities()) as
    { elicitation?: unknown } | undefined;

  const call: ToolCall = {
    signal: ctx.mcpReq.signal,
    async progress(progress, total, message) {
      if (progressToken === undefined) return;
      await ctx.mcpReq
        .notify({ method: 'notifications/progress', params: { progressToken, progress, total, message } })
        .catch(() => undefined);
    },
  };
  if (!caps?.elicitation) return call;

  call.elicitConfirm = async (message: string) => {
    if (modernEra) {
      const answered = ctx.mcpReq.inputResponses?.[CONFIRM_KEY];
      if (answered === undefined) throw new NeedsConfirmation(message);
      return acceptedContent<{ confirm?: boolean }>(ctx.mcpReq.inputResponses, CONFIRM_KEY)?.confirm === true;
    }
    const result = await ctx.mcpReq.elicitInput({ mode: 'form', message, requestedSchema: confirmationSchema });
    return result.action === 'accept' && (result.content as { confirm?: unknown } | undefined)?.confirm === true;
  };
  return call;
}

export { CONFIRM_KEY };
