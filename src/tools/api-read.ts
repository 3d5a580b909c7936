import * as z from 'zod';
import { callShape, executeApiCall, type CallArgs } from './api-call.js';
import type { ToolSpec } from './types.js';

const { method: _method, ...readShape } = callShape;
const input = z.object(readShape);

export const apiReadTool: ToolSpec<typeof input> = {
  name: 'proxmox-api-read',
  title: 'Proxmox API read',
  description: 'Like proxmox-api, for GET operations only (safe to auto-approve).',
  input,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  writes: false,
  run: (args, env, call) => executeApiCall(args as CallArgs, env, call, { readOnly: true, toolName: 'proxmox-api-read' }),
};
