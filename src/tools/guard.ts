import * as z from 'zod';
import type { AuditEntry } from '../safety/audit.js';
import { ToolError, type ClusterContext, type ToolCall, type ToolEnv } from './types.js';

/**
 * Refuses what the cluster's policy refuses (read-only mode, PROXMOX_ALLOW / PROXMOX_DENY),
 * naming the rule, before anything is sent.
 */
function enforcePolicy(cluster: ClusterContext, method: string, template: string, concrete?: string): void {
  const decision = cluster.policy.check(method, template, concrete);
  if (!decision.allowed) {
    throw new ToolError(`refused: ${method} ${concrete ?? template}: ${decision.reason ?? 'not allowed by policy'}`);
  }
}

/**
 * Destructive operations need a human yes (MCP elicitation) or, where the client cannot ask,
 * an explicit `confirm: true` from the model, as PROXMOX_CONFIRM says.
 */
async function confirmDestructive(
  env: ToolEnv,
  call: ToolCall,
  what: { summary: string; why: string; confirm?: boolean },
): Promise<void> {
  const mode = env.config.confirm;
  if (mode === 'off') return;
  if (mode === 'elicit' && call.elicitConfirm) {
    const yes = await call.elicitConfirm(`${what.summary}\n\nThis ${what.why}. Run it?`);
    if (!yes) throw new ToolError(`cancelled: the user did not confirm ${what.summary}`);
    return;
  }
  if (what.confirm !== true) {
    throw new ToolError(`${what.summary} ${what.why}: repeat the call with confirm: true once the user has agreed.`);
  }
}

/**
 * The checks before a call: the policy, then, for what destroys or interrupts, the human's yes. A
 * refused write is recorded in the audit log (`refusal` says how) before the refusal is thrown.
 */
export async function guardCall(
  env: ToolEnv,
  call: ToolCall,
  cluster: ClusterContext,
  what: {
    method: string;
    template: string;
    concrete: string;
    danger?: { summary: string; why: string };
    confirm?: boolean;
    refusal?: Omit<AuditEntry, 'status' | 'error'>;
  },
): Promise<void> {
  try {
    enforcePolicy(cluster, what.method, what.template, what.concrete);
    if (what.danger) await confirmDestructive(env, call, { ...what.danger, confirm: what.confirm });
  } catch (err) {
    if (what.refusal && err instanceof ToolError) env.audit.record({ ...what.refusal, status: 'refused', error: err.message });
    throw err;
  }
}

const SHOWN_COMMAND_CHARS = 2000;

/**
 * A command inside a guest is a write as far as policy and confirmation go: read-only mode and
 * deny rules refuse it (the container tool is matched as POST /nodes/{node}/lxc/{vmid}/exec, the VM
 * tool as the agent's own POST .../agent/exec), and the human sees exactly what will run.
 */
export async function guardExec(
  env: ToolEnv,
  call: ToolCall,
  cluster: ClusterContext,
  what: { tool: string; template: string; concrete: string; target: string; command: string; confirm?: boolean },
): Promise<void> {
  const shown =
    what.command.length > SHOWN_COMMAND_CHARS
      ? `${what.command.slice(0, SHOWN_COMMAND_CHARS)}\n… (${what.command.length - SHOWN_COMMAND_CHARS} more characters)`
      : what.command;
  await guardCall(env, call, cluster, {
    method: 'POST',
    template: what.template,
    concrete: what.concrete,
    danger: { summary: `run in ${what.target}:\n${shown}\n`, why: 'runs a command inside the guest' },
    confirm: what.confirm,
    refusal: { tool: what.tool, cluster: cluster.name, path: what.concrete, command: what.command },
  });
}

/** Exec results always carry `structuredContent` (exitCode, stdout, stderr, flags); declared minimally to keep tools/list small. */
export const execOutput = z.object({}).passthrough();
