import * as z from 'zod';
import { callOutput, writeShape } from './api-input.js';
import { defineTool } from './define.js';

const input = z.object(writeShape);

export const apiTool = defineTool({
  name: 'proxmox-api',
  title: 'Proxmox API',
  description:
    'Any Proxmox VE change (POST/PUT/DELETE); tasks are waited for. path, pathParams, params as in proxmox-api-read. ' +
    'Risky calls return a preview with a confirm value instead: show it to the user. ' +
    'E.g. {"path":"/nodes/pve1/qemu/100/status/shutdown","method":"POST"}',
  input,
  output: callOutput,
  kind: 'write',
  // List shaping is for reads; proxmox-api-read advertises it, proxmox-api still accepts it.
  quietParams: ['fields', 'filter', 'sort', 'limit'],
  async run(args, env, call) {
    const { executeApiCall } = await import('./api-call.js');
    return executeApiCall(args, env, call, { readOnly: false, toolName: 'proxmox-api' });
  },
});
