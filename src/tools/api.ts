import * as z from 'zod';
import { executeApiCall, writeShape, type CallArgs } from './api-call.js';
import type { ToolSpec } from './types.js';

const input = z.object(writeShape);

export const apiTool: ToolSpec<typeof input> = {
  name: 'proxmox-api',
  title: 'Proxmox API call',
  description:
    'Run any Proxmox VE API operation, checked against the schema first. Find paths and parameters with proxmox-api-schema.',
  input,
  annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
  writes: true,
  run: (args, env, call) => executeApiCall(args as CallArgs, env, call, { readOnly: false, toolName: 'proxmox-api' }),
};
