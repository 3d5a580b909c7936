import * as z from 'zod';
import { callOutput, callShape, executeApiCall, type CallArgs } from './api-call.js';
import type { ToolSpec } from './types.js';

const { method: _method, ...readShape } = callShape;
const input = z.object({ ...readShape, path: z.string().min(1) });

export const apiReadTool: ToolSpec<typeof input> = {
  name: 'proxmox-api-read',
  title: 'Proxmox API read',
  description: 'proxmox-api for GET only.',
  input,
  output: callOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: true },
  writes: false,
  run: (args, env, call) => executeApiCall(args as CallArgs, env, call, { readOnly: true, toolName: 'proxmox-api-read' }),
};
