import * as z from 'zod';
import { ToolError, type ClusterContext, type ToolCall, type ToolEnv } from './types.js';

/**
 * Refuses what the cluster's policy refuses (read-only mode, PROXMOX_ALLOW / PROXMOX_DENY),
 * naming the rule, before anything is sent.
 */
export function enforcePolicy(cluster: ClusterContext, method: string, template: string, concrete?: string): void {
  const decision = cluster.policy?.check(method, template, concrete);
  if (decision && !decision.allowed) {
    throw new ToolError(`refused: ${method} ${concrete ?? template}: ${decision.reason ?? 'not allowed by policy'}`);
  }
}

/**
 * Destructive operations need a human yes (MCP elicitation) or, where the client cannot ask,
 * an explicit `confirm: true` from the model, as PROXMOX_CONFIRM says.
 */
export async function confirmDestructive(
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
  try {
    enforcePolicy(cluster, 'POST', what.template, what.concrete);
    await confirmDestructive(env, call, { summary: `run in ${what.target}:\n${shown}\n`, why: 'runs a command inside the guest', confirm: what.confirm });
  } catch (err) {
    if (err instanceof ToolError) {
      env.audit?.record({ tool: what.tool, cluster: cluster.name, path: what.concrete, command: what.command, status: 'refused', error: err.message });
    }
    throw err;
  }
}

/** Exec results always carry `structuredContent` (exitCode, stdout, stderr, flags); declared minimally to keep tools/list small. */
export const execOutput = z.object({}).passthrough();
