import * as z from 'zod';
import { confirmInput } from './api-input.js';
import { execOutput } from './exec-output.js';
import { defineTool, type ClusterArg } from './define.js';

export const CONTAINER_MAX_TIMEOUT_MS = 600_000;

const input = z.object({
  node: z.string().describe("container's node"),
  vmid: z.union([z.number(), z.string()]),
  command: z
    .string()
    .min(1)
    .max(65_536, { error: 'command is limited to 65536 characters (and to 2000 as shown when confirmation is on)' })
    .describe('/bin/sh script'),
  input: z
    .string()
    .max(1024 * 1024)
    .optional()
    .describe('stdin'),
  timeoutMs: z.number().int().min(1).max(CONTAINER_MAX_TIMEOUT_MS).optional().describe('default 30000'),
  confirm: confirmInput,
});

export type ContainerCommandArgs = z.infer<typeof input> & ClusterArg;

export const containerCommandTool = defineTool({
  name: 'proxmox-execute-container-command',
  title: 'Container command',
  description: 'Run a shell command in an LXC container. E.g. {"node":"pve1","vmid":200,"command":"df -h /"}',
  input,
  output: execOutput,
  kind: 'exec',
  async run(args, env, call) {
    const { runContainerCommand } = await import('./container-command.js');
    return runContainerCommand(args, env, call);
  },
});
