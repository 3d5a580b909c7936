import * as z from 'zod';
import { callOutput, readShape } from './api-input.js';
import { defineTool } from './define.js';

const input = z.object(readShape);

export const apiReadTool = defineTool({
  name: 'proxmox-api-read',
  title: 'Proxmox API read',
  description:
    'Any Proxmox VE GET, read-only. Sizes and times print readable; filter and sort use raw numbers. ' +
    'E.g. {"path":"/cluster/resources","filter":["status=running"],"sort":"-mem"}',
  input,
  output: callOutput,
  kind: 'read',
  async run(args, env, call) {
    const { executeApiCall } = await import('./api-call.js');
    return executeApiCall(args, env, call, { readOnly: true, toolName: 'proxmox-api-read' });
  },
});
