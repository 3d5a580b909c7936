import type { ProxmoxClient } from '../proxmox/client.js';
import { ProxmoxHttpError, ProxmoxNetworkError } from '../proxmox/errors.js';
import { apiPath } from '../proxmox/path.js';
import { renderExecResult } from './exec-output.js';
import { agentStartHint, shellNotFoundHint } from '../exec/hints.js';
import { guestExec } from '../exec/guest-agent.js';
import { splitCommandLine } from '../exec/guest-argv.js';
import { rejectNul, validateNodeName, validateVmid } from '../exec/guest-ids.js';
import { nodeForCall } from './canonical-node.js';
import { clusterGuests, type GuestRow } from './cluster-guests.js';
import { guardExec } from './guard.js';
import { audited } from './audited.js';
import { requireGuests } from './targets.js';
import { sshProblem } from './requirements.js';
import type { ClusterConfig } from '../config/schema.js';
import type { ClusterContext } from '../context.js';
import { ToolError } from '../errors.js';
import type { ToolCall, ToolEnv, ToolOutput } from './types.js';
import type { VmCommandArgs } from './execute-vm-command.js';

export const VM_DEFAULT_TIMEOUT_MS = 30_000;
/** PVE's own limit on `input-data`. */
export const VM_MAX_INPUT_BYTES = 64 * 1024;
const EXEC_PATH = '/nodes/{node}/qemu/{vmid}/agent/exec';

/** The tool's run, loaded on its first call so that start-up does not pay for SSH, quoting and the guard. */
export async function runVmCommand(args: VmCommandArgs, env: ToolEnv, call: ToolCall): Promise<ToolOutput> {
  const vmid = validateVmid(args.vmid);
  const givenNode = args.node === undefined ? undefined : validateNodeName(args.node);
  rejectNul(args.command, 'command');
  for (const arg of args.args ?? []) rejectNul(arg, 'an argument in args');
  if (args.shell && args.args)
    throw new ToolError('give either shell: true (command is a script) or args (command is the program), not both');
  if (args.input !== undefined && Buffer.byteLength(args.input) > VM_MAX_INPUT_BYTES) {
    throw new ToolError(`input is ${Buffer.byteLength(args.input)} bytes; the guest agent takes at most ${VM_MAX_INPUT_BYTES} (64 KiB)`);
  }
  const argvWithoutShell = args.args ? [args.command, ...args.args] : args.shell ? undefined : splitCommandLine(args.command);
  const cluster = env.cluster(args.cluster);
  requireGuests(cluster, 'proxmox-execute-vm-command');
  const client = cluster.client;
  const node =
    givenNode !== undefined
      ? await nodeForCall(client, givenNode, call.signal)
      : await findVmNode(client, vmid, cluster.config, call.signal);
  const timeoutMs = args.timeoutMs ?? VM_DEFAULT_TIMEOUT_MS;
  const shown = args.args ? [args.command, ...args.args].map((a) => JSON.stringify(a)).join(' ') : args.command;
  const execOp = (await cluster.catalog().catch(() => undefined))?.get('POST', EXEC_PATH);
  const lacking = execOp && cluster.permissions ? await cluster.permissions.lacking(execOp.permissions, { node, vmid }) : undefined;
  const concrete = apiPath`/nodes/${node}/qemu/${vmid}/agent/exec`;
  const audit = audited(env, call.signal, {
    tool: 'proxmox-execute-vm-command',
    cluster: cluster.name,
    method: 'POST',
    path: concrete,
    command: shown,
  });
  await guardExec(env, call, cluster, audit, {
    tool: 'proxmox-execute-vm-command',
    template: EXEC_PATH,
    concrete,
    target: `VM ${vmid} on ${node}`,
    command: shown,
    params: { node, vmid, args: args.args, shell: args.shell, input: args.input, timeoutMs: args.timeoutMs },
    confirm: args.confirm,
    lacking,
  });

  try {
    const r = await audit.send(
      async () => {
        const argv =
          argvWithoutShell ??
          ((await isWindows(client, node, vmid, call.signal)) ? ['cmd.exe', '/c', args.command] : ['/bin/sh', '-c', args.command]);
        return guestExec(client, {
          node,
          vmid,
          argv,
          input: args.input,
          commandAsString: await commandIsString(cluster),
          timeoutMs,
          signal: call.signal,
        });
      },
      (r) => (r.cancelled ? { status: 'cancelled' } : r.exited ? { status: 'ok', exitCode: r.exitCode } : { status: 'timeout' }),
    );
    const notes: string[] = [];
    const notFound = r.exited ? shellNotFoundHint(r.exitCode, r.stderr) : undefined;
    if (notFound) notes.push(notFound);
    if (!r.exited) {
      notes.push(
        `${r.cancelled ? 'cancelled' : `still running after ${timeoutMs} ms`}: pid ${r.pid}. Its output can be fetched later with proxmox-api GET /nodes/${node}/qemu/${vmid}/agent/exec-status with pid=${r.pid} (once only: the agent forgets it after reporting the end).`,
      );
    }
    return renderExecResult(
      {
        exitCode: r.exitCode,
        signal: r.signal === undefined ? undefined : String(r.signal),
        durationMs: r.durationMs,
        stdout: r.stdout,
        stderr: r.stderr,
        stdoutTruncated: r.outTruncated,
        stderrTruncated: r.errTruncated,
        timedOut: !r.exited && !r.cancelled,
      },
      {
        kept: 'head',
        budgetChars: env.config.maxOutputTokens * 4,
        header: `VM ${vmid} on ${node}`,
        notes,
        extra: { node, vmid, pid: r.pid, exited: r.exited, ...(r.cancelled ? { cancelled: true } : {}) },
      },
    );
  } catch (e) {
    throw await explainAgentError(e, {
      client,
      config: cluster.config,
      node,
      vmid,
      nodeGiven: givenNode !== undefined,
      shell: argvWithoutShell === undefined,
      signal: call.signal,
    });
  }
}

/** Containers have no exec API: their commands go over SSH, which this server may not be set up for. */
function containerHint(vmid: number, config: ClusterConfig): string {
  const off = sshProblem(config);
  if (!off) return `${vmid} is an LXC container: use proxmox-execute-container-command`;
  return `${vmid} is an LXC container. Commands in containers run over SSH to the node (proxmox-execute-container-command), which this server does not offer: ${off}. Tell the user; there is no API to run a command in a container.`;
}

async function findVmNode(client: ProxmoxClient, vmid: number, config: ClusterConfig, signal?: AbortSignal): Promise<string> {
  let rows: GuestRow[];
  try {
    rows = await clusterGuests(client, signal);
  } catch (e) {
    throw new ToolError(`cannot find the node of VM ${vmid} (${describe(e)}); pass node`);
  }
  const row = rows.find((r) => Number(r.vmid) === vmid);
  if (!row?.node) throw new ToolError(`there is no guest ${vmid} in this cluster (GET /cluster/resources?type=vm)`);
  if (row.type === 'lxc') throw new ToolError(containerHint(vmid, config));
  return validateNodeName(row.node);
}

/** qemu-ga says what it runs on; when it cannot, the VM's configured OS type does. */
async function isWindows(client: ProxmoxClient, node: string, vmid: number, signal?: AbortSignal): Promise<boolean> {
  try {
    const { data } = await client.request<{ result?: { id?: string } }>({
      method: 'GET',
      path: apiPath`/nodes/${node}/qemu/${vmid}/agent/get-osinfo`,
      signal,
    });
    if (data?.result?.id) return data.result.id === 'mswindows';
  } catch (e) {
    // An agent that is down or forbidden fails the same way at exec, with the clearer message; other
    // agents may lack get-osinfo, and the config is the next best source.
    if (e instanceof ProxmoxHttpError && /not running|No QEMU guest agent|does not exist|Permission check/i.test(e.describe())) throw e;
  }
  const { data } = await client.request<{ ostype?: string }>({ method: 'GET', path: apiPath`/nodes/${node}/qemu/${vmid}/config`, signal });
  return /^(win|w2k|wxp|wvista)/.test(data?.ostype ?? '');
}

async function commandIsString(cluster: ClusterContext): Promise<boolean> {
  const catalog = await cluster.catalog().catch(() => undefined);
  return catalog?.get('POST', EXEC_PATH)?.params.find((p) => p.name === 'command')?.type === 'string';
}

function describe(e: unknown): string {
  if (e instanceof ProxmoxHttpError) return e.describe();
  return e instanceof Error ? e.message : String(e);
}

async function explainAgentError(
  e: unknown,
  ctx: {
    client: ProxmoxClient;
    config: ClusterConfig;
    node: string;
    vmid: number;
    nodeGiven: boolean;
    shell: boolean;
    signal?: AbortSignal;
  },
): Promise<unknown> {
  if (e instanceof ToolError) return e;
  if (e instanceof ProxmoxNetworkError) return new ToolError(`the guest agent call failed: ${e.message}`);
  if (!(e instanceof ProxmoxHttpError)) return e;
  const { node, vmid } = ctx;
  const said = e.describe();
  const notFound = agentStartHint(said, { shell: ctx.shell });
  if (notFound) return new ToolError(`${said}\n${notFound}`);
  if (e.status === 403) {
    return new ToolError(
      `${said}\nThe API token lacks the privilege named above on /vms/${vmid} (PVE 9: VM.GuestAgent.Unrestricted; PVE 8: VM.Monitor).`,
    );
  }
  if (/QEMU guest agent is not running/i.test(said)) {
    return new ToolError(
      `${said}\nThe guest agent inside VM ${vmid} is not answering: install and start qemu-guest-agent in the guest (e.g. apt install qemu-guest-agent; systemctl start qemu-guest-agent).`,
    );
  }
  if (/No QEMU guest agent configured/i.test(said)) {
    return new ToolError(
      `${said}\nVM ${vmid} has the agent option off: set it with proxmox-api PUT /nodes/${node}/qemu/${vmid}/config agent=1, restart the VM, and install qemu-guest-agent inside.`,
    );
  }
  if (new RegExp(`VM ${vmid} not running`).test(said)) {
    return new ToolError(
      `${said}\nVM ${vmid} is stopped: start it with proxmox-api POST /nodes/${node}/qemu/${vmid}/status/start, then wait for the agent.`,
    );
  }
  if (e.status === 595 || /does not exist|not on this node|no such VM/i.test(said)) {
    const rows = await clusterGuests(ctx.client, ctx.signal).catch(() => undefined);
    const row = rows?.find((r) => Number(r.vmid) === vmid);
    if (row?.node && row.node !== node) {
      return new ToolError(
        `${said}\nVM ${vmid} is on node ${row.node}, not ${node}: call again with node: '${row.node}' (or leave node out).`,
      );
    }
    if (row?.type === 'lxc') return new ToolError(`${said}\n${containerHint(vmid, ctx.config)}`);
    if (rows && !row) return new ToolError(`${said}\nThere is no guest ${vmid} in this cluster.`);
  }
  return new ToolError(said);
}
