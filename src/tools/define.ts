import * as z from 'zod';
import type { ToolEnv } from '../context.js';
import type { ToolAnnotations, ToolCall, ToolKind, ToolOutput, ToolSpec } from './types.js';

/**
 * With several clusters every tool takes `cluster`. It is declared here once and added when the tools are
 * offered (offerTools), so a server with one target never shows it.
 */
const clusterChoice = { cluster: z.string().optional().describe('configured cluster name; default one when left out') };

export type ClusterArg = { cluster?: string };

export interface ToolDefinition<S extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  kind: ToolKind;
  /** The tool's own parameters (without `cluster`). */
  input: z.ZodObject<S>;
  output?: z.ZodObject;
  /** Answers from the API schema alone, without talking to the cluster (openWorldHint false). */
  local?: boolean;
  quietParams?: ReadonlyArray<keyof S & string>;
  run(args: z.infer<z.ZodObject<S>> & ClusterArg, env: ToolEnv, call: ToolCall): Promise<ToolOutput>;
}

export function annotationsFor(kind: ToolKind, local = false): ToolAnnotations {
  return { readOnlyHint: kind === 'read', destructiveHint: kind !== 'read', openWorldHint: !local };
}

/** A tool from its definition: its annotations follow from its kind. */
export function defineTool<S extends z.ZodRawShape>(def: ToolDefinition<S>): ToolSpec {
  return {
    name: def.name,
    title: def.title,
    description: def.description,
    kind: def.kind,
    input: def.input,
    ...(def.output ? { output: def.output } : {}),
    annotations: annotationsFor(def.kind, def.local),
    ...(def.quietParams ? { quietParams: def.quietParams } : {}),
    // The server and `call` validate against `input` (with `cluster` when offered) before running: the one cast.
    run: (args, env, call) => def.run(args as z.infer<z.ZodObject<S>> & ClusterArg, env, call),
  };
}

/** The tool as offered when there are several clusters: the same, plus the `cluster` choice. */
export function withClusterChoice(tool: ToolSpec): ToolSpec {
  return { ...tool, input: tool.input.extend(clusterChoice) };
}
