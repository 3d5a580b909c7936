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
