import * as z from 'zod';
import { callOutput, callShape, type CallArgs } from './api-input.js';
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
  async run(args, env, call) {
    const { executeApiCall } = await import('./api-call.js');
    return executeApiCall(args as CallArgs, env, call, { readOnly: true, toolName: 'proxmox-api-read' });
  },
};
