import * as z from 'zod';
import type { ToolEnv } from '../context.js';
import type { ToolAnnotations, ToolCall, ToolKind, ToolOutput, ToolSpec } from './types.js';

/** Every tool takes `cluster`; it is declared here once rather than in each tool. */
const clusterShape = { cluster: z.string().optional() };

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

/** A tool from its definition: `cluster` joins its input, and its annotations follow from its kind. */
export function defineTool<S extends z.ZodRawShape>(def: ToolDefinition<S>): ToolSpec {
  const input = def.input.extend(clusterShape);
  return {
    name: def.name,
    title: def.title,
    description: def.description,
    kind: def.kind,
    input,
    ...(def.output ? { output: def.output } : {}),
    annotations: annotationsFor(def.kind, def.local),
    ...(def.quietParams ? { quietParams: def.quietParams } : {}),
    // The server and `call` validate against `input` before running, which makes this the one cast.
    run: (args, env, call) => def.run(args as z.infer<z.ZodObject<S>> & ClusterArg, env, call),
  };
}
