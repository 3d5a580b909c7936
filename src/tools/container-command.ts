import { readFileSync } from 'node:fs';
import { renderExecResult } from './exec-output.js';
import { shellNotFoundHint } from '../exec/hints.js';
import { rejectNul, validateNodeName, validateVmid } from '../exec/guest-ids.js';
import { resolveNodeAddress } from '../exec/node-address.js';
import { explainPctFailure, KILL_AFTER_SECONDS, pctExecCommandLine } from '../exec/pct-exec.js';
import { sshExec, SshError } from '../exec/ssh-exec.js';
import { apiPath } from '../proxmox/path.js';
import { nodeForCall } from './canonical-node.js';
import { guardExec } from './guard.js';
import { audited } from './audited.js';
import { requireGuests } from './targets.js';
import { ToolError } from '../errors.js';
import type { ToolCall, ToolEnv, ToolOutput } from './types.js';
import type { ContainerCommandArgs } from './execute-container-command.js';

export const CONTAINER_DEFAULT_TIMEOUT_MS = 30_000;
/** Per stream; the tail is kept, since a long log ends with what went wrong. */
export const CONTAINER_MAX_OUTPUT_BYTES = 64 * 1024;

/** The tool's run, loaded on its first call so that start-up does not pay for SSH, quoting and the guard. */
export async function runContainerCommand(args: ContainerCommandArgs, env: ToolEnv, call: ToolCall): Promise<ToolOutput> {
  const vmid = validateVmid(args.vmid);
  rejectNul(args.command, 'command');
  const cluster = env.cluster(args.cluster);
  requireGuests(cluster, 'proxmox-execute-container-command');
  // One spelling for policy, SSH address and audit (`localhost` and `PVE1` become the node's own name).
  const node = await nodeForCall(cluster.client, validateNodeName(args.node), call.signal);
  const ssh = cluster.config.ssh;
  if (!ssh.keyPath && !ssh.agentSocket) {
    throw new ToolError(
      'container commands need SSH access to the Proxmox node, which is not configured: set PROXMOX_SSH_KEY_PATH to a private key ' +
        "(its public key in the node user's authorized_keys) or run with an ssh-agent (SSH_AUTH_SOCK); set PROXMOX_SSH_HOSTS " +
        '(e.g. pve1=10.0.0.11) when node addresses are not in /cluster/status, and trust the host key (PROXMOX_SSH_KNOWN_HOSTS or PROXMOX_SSH_HOST_FINGERPRINT).',
    );
  }
  let privateKey: Buffer | undefined;
  if (ssh.keyPath) {
    try {
      privateKey = readFileSync(ssh.keyPath);
    } catch {
      throw new ToolError(`PROXMOX_SSH_KEY_PATH names a file that cannot be read: ${ssh.keyPath}`);
    }
  }
  // The container's own API path (what policy matches), the same in every record of this call.
  const concrete = apiPath`/nodes/${node}/lxc/${vmid}/exec`;
  const audit = audited(env, call.signal, {
    tool: 'proxmox-execute-container-command',
    cluster: cluster.name,
    method: 'POST',
    path: concrete,
    command: args.command,
  });
  await guardExec(env, call, cluster, audit, {
    tool: 'proxmox-execute-container-command',
    template: '/nodes/{node}/lxc/{vmid}/exec',
    concrete,
    target: `CT ${vmid} on ${node}`,
    command: args.command,
    params: { node, vmid, input: args.input, timeoutMs: args.timeoutMs },
    confirm: args.confirm,
  });
  const timeoutMs = args.timeoutMs ?? CONTAINER_DEFAULT_TIMEOUT_MS;
  // Finding the node's address is part of running the command: a node it cannot reach is recorded as an error.
  const { address, result } = await audit.send(
    async () => {
      const address = await resolveNodeAddress(node, cluster, call.signal);
      try {
        const result = await sshExec({
          host: address.host,
          port: ssh.port,
          user: ssh.user,
          privateKey,
          passphrase: ssh.keyPassphrase,
          agentSocket: ssh.agentSocket,
          knownHostsPath: ssh.knownHostsPath,
          pinnedFingerprint: ssh.hostFingerprint,
          command: pctExecCommandLine(vmid, args.command, { sudo: ssh.sudo, timeoutMs }),
          input: args.input,
          connectTimeoutMs: ssh.connectTimeoutMs,
          timeoutMs,
          maxOutputBytes: CONTAINER_MAX_OUTPUT_BYTES,
          signal: call.signal,
        });
        return { address, result };
      } catch (e) {
        if (e instanceof SshError) throw new ToolError(`node ${node} (${address.host}, from ${address.source}): ${e.message}`);
        throw e;
      }
    },
    // The exit code is the command's own only when it ended by itself (a timeout's is that of the timeout wrapper).
    ({ result: r }) =>
      r.cancelled ? { status: 'cancelled' } : r.timedOut ? { status: 'timeout' } : { status: 'ok', exitCode: r.exitCode },
  );
  const host = address.host;

  const explained = explainPctFailure(result, { vmid, node, host, user: ssh.user });
  if (explained) throw new ToolError(`${explained}\n(${result.stderr.trim().split('\n').slice(-3).join(' | ')})`);

  const notes: string[] = [];
  const notFound = result.timedOut || result.cancelled ? undefined : shellNotFoundHint(result.exitCode, result.stderr);
  if (notFound) notes.push(notFound);
  if (result.timedOut)
    notes.push(`the command ran longer than ${timeoutMs} ms and was ended (SIGTERM, then SIGKILL ${KILL_AFTER_SECONDS} s later)`);
  if (result.cancelled) notes.push('cancelled by the client; the command was ended');
  return renderExecResult(
    {
      exitCode: result.exitCode,
      signal: result.exitSignal,
      durationMs: result.durationMs,
      stdout: result.stdout,
      stderr: result.stderr,
      stdoutTruncated: result.stdoutTruncated,
      stderrTruncated: result.stderrTruncated,
      timedOut: result.timedOut,
    },
    {
      kept: 'tail',
      budgetChars: env.config.maxOutputTokens * 4,
      header: `CT ${vmid} on ${node}`,
      notes,
      extra: { node, vmid, stdoutBytes: result.stdoutBytes, stderrBytes: result.stderrBytes },
    },
  );
}
