import * as z from 'zod';
import { callOutput, callShape } from './api-input.js';
import { defineTool } from './define.js';

const { method: _method, ...readShape } = callShape;
const input = z.object(readShape);

export const apiReadTool = defineTool({
  name: 'proxmox-api-read',
  title: 'Proxmox API read',
  description: 'proxmox-api for GET only.',
  input,
  output: callOutput,
  kind: 'read',
  async run(args, env, call) {
    const { executeApiCall } = await import('./api-call.js');
    return executeApiCall(args, env, call, { readOnly: true, toolName: 'proxmox-api-read' });
  },
});
