import { AuditUnavailable } from '../safety/audit.js';
import type { BoundCall, ConfirmTokens } from '../safety/confirm-token.js';
import { redactParams } from '../safety/redact.js';
import { visible } from '../output/visible.js';
import { RefusalNote, type AuditedCall } from './audited.js';
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

/** A write or command whose record cannot be written is refused, not run unrecorded (PROXMOX_AUDIT_LOG fails closed). */
function assertAuditable(env: ToolEnv): void {
  try {
    env.audit.assertWritable();
  } catch (err) {
    if (err instanceof AuditUnavailable) throw new ToolError(`refused: ${err.message}; nothing was run`);
    throw err;
  }
}

/** A destructive call as the human judges it. */
export interface Danger {
  /** Short words for "This <why>." */
  why: string;
  /** The exact call: method and path, then its parameters or the command. */
  shown: string;
  /** What it replaces (`key: old → new` lines) and the call that undoes it, when known. */
  changes?: string;
}

/** The call was not run: it waits for the user's yes, given back as the token below (which the audit log never holds). */
export class ConfirmationNeeded extends RefusalNote {
  constructor(message: string, structured: Record<string, unknown>, auditNote: string) {
    super(message, structured, auditNote);
    this.name = 'ConfirmationNeeded';
  }
}

export function previewText(danger: Danger): string {
  // What the human reads shows every whitespace run and invisible character for what it is.
  return [visible(danger.shown), `This ${danger.why}.`, ...(danger.changes ? [visible(danger.changes)] : [])].join('\n');
}

function tokensOf(env: ToolEnv): ConfirmTokens {
  if (!env.confirmations) throw new ToolError('internal error: no confirmation tokens in this runtime');
  return env.confirmations;
}

/**
 * Destructive operations need the human's yes. With elicitation the human is asked, seeing the preview.
 * Without it (or with PROXMOX_CONFIRM=param) the call does not run: the answer is the preview and a
 * token bound to this exact call, and only the same call carrying that token runs, once. The model
 * could pass the token on its own, so only elicitation is proof that a human agreed; the token makes
 * sure that what runs is what was shown.
 */
async function confirmDestructive(
  env: ToolEnv,
  call: ToolCall,
  danger: Danger,
  bound: BoundCall,
  confirm: string | undefined,
): Promise<void> {
  const mode = env.config.confirm;
  if (mode === 'off') return;
  const preview = previewText(danger);
  if (mode === 'elicit' && call.elicitConfirm) {
    const yes = await call.elicitConfirm(`${preview}\n\nRun it?`);
    if (!yes) throw new ToolError(`cancelled: the user did not confirm ${danger.shown.split('\n')[0]}`);
    return;
  }
  const tokens = tokensOf(env);
  let why = "this call needs the user's agreement first";
  if (confirm !== undefined && /^\s*(true|yes|1)\s*$/i.test(confirm)) {
    why = 'confirm: true is not enough: the user must see this call and agree to it first';
  } else if (confirm !== undefined && confirm !== 'false') {
    const redeemed = tokens.redeem(confirm, bound);
    if (redeemed.ok) return;
    why = `the confirm token was not accepted: ${redeemed.reason}`;
  }
  const { token, expiresAt } = tokens.issue(bound);
  const minutes = Math.round(tokens.ttlMs / 60_000);
  throw new ConfirmationNeeded(
    [
      `NOT RUN: ${why}.`,
      preview,
      `Show this to the user. Only if they agree, repeat this exact call with the line below (single use, valid ${minutes} minutes, for this call only).`,
      `confirm: "${token}"`,
    ].join('\n'),
    {
      confirmationRequired: true,
      confirm: token,
      expiresAt: expiresAt.toISOString(),
      method: bound.method,
      path: bound.path,
      params: redactParams(bound.params, bound.path),
      why: danger.why,
    },
    `not run: ${why}`,
  );
}

/**
 * Whether the call may be made at all: the policy, then the token's privileges (`lacking` names what
 * GET /access/permissions shows it lacks for this call). Nothing is sent when either refuses; `audit` records the refusal.
 */
export async function checkAllowed(
  env: ToolEnv,
  cluster: ClusterContext,
  audit: AuditedCall,
  what: { method: string; template: string; concrete: string; lacking?: string },
): Promise<void> {
  await audit.check(() => {
    enforcePolicy(cluster, what.method, what.template, what.concrete);
    if (audit.recorded) assertAuditable(env);
    if (what.lacking) {
      throw new ToolError(
        `refused before sending: ${what.method} ${what.concrete}: the API token lacks ${what.lacking} (its privileges as GET /access/permissions shows them). ` +
          'Nothing was sent. An administrator can grant it (pveum acl modify PATH --tokens TOKENID --roles ROLE), or use another way that needs less.',
      );
    }
  });
}

/** For what destroys or interrupts: the human's yes, bound to exactly this call (see confirmDestructive). */
export async function confirmCall(
  env: ToolEnv,
  call: ToolCall,
  cluster: ClusterContext,
  audit: AuditedCall,
  what: {
    tool: string;
    method: string;
    concrete: string;
    /** What the node is sent, as far as it decides what happens (the confirmation is bound to it). */
    params: Record<string, unknown>;
    danger: Danger;
    confirm?: string;
  },
): Promise<void> {
  const bound: BoundCall = { cluster: cluster.name, tool: what.tool, method: what.method, path: what.concrete, params: what.params };
  await audit.check(() => confirmDestructive(env, call, what.danger, bound, what.confirm));
}

/** The checks before a call, in order: policy and privileges, then, for what destroys or interrupts, the human's yes. */
async function guardCall(
  env: ToolEnv,
  call: ToolCall,
  cluster: ClusterContext,
  audit: AuditedCall,
  what: {
    tool: string;
    method: string;
    template: string;
    concrete: string;
    params: Record<string, unknown>;
    lacking?: string;
    danger?: Danger;
    confirm?: string;
  },
): Promise<void> {
  await checkAllowed(env, cluster, audit, what);
  if (what.danger) await confirmCall(env, call, cluster, audit, { ...what, danger: what.danger });
}

const SHOWN_CHARS = 2000;

/** A long value for a human to judge: its start and its end, and how much was left out between. */
export function showLong(text: string, max = SHOWN_CHARS): string {
  if (text.length <= max) return text;
  const head = Math.ceil(max * 0.75);
  const tail = max - head;
  return `${text.slice(0, head)}\n… (${text.length - head - tail} more characters) …\n${text.slice(text.length - tail)}`;
}

/**
 * A command inside a guest is a write as far as policy and confirmation go: read-only mode and
 * deny rules refuse it (the container tool is matched as POST /nodes/{node}/lxc/{vmid}/exec, the VM
 * tool as the agent's own POST .../agent/exec), and the human sees exactly what will run.
 */
export async function guardExec(
  env: ToolEnv,
  call: ToolCall,
  cluster: ClusterContext,
  audit: AuditedCall,
  what: {
    tool: string;
    template: string;
    concrete: string;
    target: string;
    command: string;
    /** Everything else that decides what runs (args, shell, stdin, time limit): bound to the confirmation. */
    params: Record<string, unknown>;
    confirm?: string;
    /** What the token lacks for this, when known (see checkAllowed). */
    lacking?: string;
  },
): Promise<void> {
  // A command is shown whole or not run: its end is where `; curl …|sh` would hide.
  if (env.config.confirm !== 'off' && visible(what.command).length > SHOWN_CHARS) {
    throw new ToolError(
      `the command is too long to show for confirmation (${what.command.length} characters, ${visible(what.command).length} as shown; at most ${SHOWN_CHARS}): ` +
        'put a long script in input (stdin) and run a short command such as sh, or split it',
    );
  }
  const stdin =
    typeof what.params.input === 'string'
      ? `\nwith stdin (${what.params.input.length} characters):\n${showLong(visible(what.params.input), 500)}`
      : '';
  await guardCall(env, call, cluster, audit, {
    tool: what.tool,
    method: 'POST',
    template: what.template,
    concrete: what.concrete,
    params: { ...what.params, command: what.command },
    danger: { shown: `run in ${what.target}:\n${showLong(visible(what.command))}${stdin}`, why: 'runs a command inside the guest' },
    confirm: what.confirm,
    lacking: what.lacking,
  });
}
