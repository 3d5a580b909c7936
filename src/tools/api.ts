import * as z from 'zod';
import { callOutput, executeApiCall, writeShape, type CallArgs } from './api-call.js';
import type { ToolSpec } from './types.js';

const input = z.object(writeShape);

export const apiTool: ToolSpec<typeof input> = {
  name: 'proxmox-api',
  title: 'Proxmox API',
  description: 'Call any Proxmox VE API operation; find it with proxmox-api-schema.',
  input,
  output: callOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
  writes: true,
  // List shaping is for reads; proxmox-api-read advertises it, proxmox-api still accepts it.
  quietParams: ['fields', 'filter', 'sort', 'limit'],
  run: (args, env, call) => executeApiCall(args as CallArgs, env, call, { readOnly: false, toolName: 'proxmox-api' }),
};
