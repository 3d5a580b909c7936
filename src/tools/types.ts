import type * as z from 'zod';
import type { ToolEnv } from '../context.js';
import type { DigestMemory } from '../safety/digests.js';

export type { ClusterContext, ToolEnv } from '../context.js';
export { ToolError } from '../errors.js';

/** Per-call facilities from the MCP request. */
export interface ToolCall {
  readonly signal: AbortSignal;
  /** Sends a progress notification when the client asked for them; a no-op otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** Asks the human (MCP elicitation) when the client supports it; undefined when it cannot ask. */
  elicitConfirm?(message: string): Promise<boolean>;
  /**
   * Digests of the configs this session read, so an edit carries the one it was based on; undefined
   * without a session (stateless HTTP), where the model passes the digest back itself.
   */
  readonly digests?: DigestMemory;
}

export interface ToolOutput {
  text: string;
  isError?: boolean;
  structured?: Record<string, unknown>;
}

/**
 * What a tool does to the world, declared once; its MCP annotations and whether read-only mode offers
 * it follow from this. `read` changes nothing; `write` changes the cluster through the API; `exec` runs
 * a command inside a guest.
 */
export type ToolKind = 'read' | 'write' | 'exec';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  openWorldHint: boolean;
}

/** A tool as the server registers it (made by defineTool, which keeps the argument types). */
export interface ToolSpec {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly kind: ToolKind;
  /** The arguments as validated (`cluster` is added when there are several clusters: withClusterChoice). */
  readonly input: z.ZodObject;
  readonly output?: z.ZodObject;
  readonly annotations: ToolAnnotations;
  /** Accepted but not advertised in tools/list, to keep every turn's tool list small. */
  readonly quietParams?: readonly string[];
  /** `args` must have passed `input`. */
  run(args: unknown, env: ToolEnv, call: ToolCall): Promise<ToolOutput>;
}
