import * as z from 'zod';
import { confirmInput } from './api-input.js';
import { execOutput } from './exec-output.js';
import { defineTool, type ClusterArg } from './define.js';

export const VM_MAX_TIMEOUT_MS = 600_000;

const input = z.object({
  node: z.string().optional().describe('default: from vmid'),
  vmid: z.union([z.number(), z.string()]),
  command: z
    .string()
    .min(1)
    .max(65_536, { error: 'command is limited to 65536 characters (and to 2000 as shown when confirmation is on)' })
    .describe('program and arguments; a script with shell'),
  args: z
    .array(z.string().max(65_536, { error: 'an argument is limited to 65536 characters' }))
    .max(1000, { error: 'at most 1000 args' })
    .optional()
    .describe('argv after command, as-is'),
  shell: z.boolean().optional().describe('sh -c (cmd /c on Windows)'),
  input: z.string().optional().describe('stdin'),
  timeoutMs: z.number().int().min(1).max(VM_MAX_TIMEOUT_MS).optional().describe('default 30000'),
  confirm: confirmInput,
});

export type VmCommandArgs = z.infer<typeof input> & ClusterArg;

export const vmCommandTool = defineTool({
  name: 'proxmox-execute-vm-command',
  title: 'VM command',
  description:
    'Run a command in a QEMU VM via its guest agent. No shell and a short PATH unless shell: true. ' +
    'E.g. {"vmid":100,"command":"df -h /","shell":true}',
  input,
  output: execOutput,
  kind: 'exec',
  async run(args, env, call) {
    const { runVmCommand } = await import('./vm-command.js');
    return runVmCommand(args, env, call);
  },
});
