import * as z from 'zod';
import { callOutput, readShape, type CallArgs } from './api-input.js';
import type { ToolSpec } from './types.js';

const input = z.object(readShape);

export const apiReadTool: ToolSpec<typeof input> = {
  name: 'proxmox-api-read',
  title: 'Proxmox API read',
  description:
    'Any Proxmox VE GET, read-only. Sizes and times print readable; filter and sort use raw numbers. ' +
    'E.g. {"path":"/cluster/resources","filter":["status=running"],"sort":"-mem"}',
  input,
  output: callOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: true },
  writes: false,
  async run(args, env, call) {
    const { executeApiCall } = await import('./api-call.js');
    return executeApiCall(args as CallArgs, env, call, { readOnly: true, toolName: 'proxmox-api-read' });
  },
};
