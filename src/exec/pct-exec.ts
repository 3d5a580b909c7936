import { singleQuote } from './posix-quote.js';

/** After the TERM at the deadline, how long the command gets before `timeout` sends KILL. */
export const KILL_AFTER_SECONDS = 5;

/**
 * The line the node's login shell runs. The script travels as ONE single-quoted word, so the node's shell
 * hands it unchanged to /bin/sh inside the container; vmid is a validated integer.
 *
 * coreutils `timeout` enforces the deadline on the node itself: sshd refuses SSH signal requests in root
 * sessions (no privilege separation after a root login), and a dropped connection must not leave the
 * command running either. It signals its whole process group, and sudo passes the signal on to pct.
 */
export function pctExecCommandLine(vmid: number, script: string, opts: { sudo: boolean; timeoutMs: number }): string {
  if (!Number.isInteger(vmid)) throw new Error('vmid must be an integer');
  if (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs <= 0) throw new Error('timeoutMs must be a positive integer');
  const seconds = (opts.timeoutMs / 1000).toFixed(3);
  return `timeout -k ${KILL_AFTER_SECONDS} ${seconds} ${opts.sudo ? 'sudo -n ' : ''}pct exec ${vmid} -- /bin/sh -c ${singleQuote(script)}`;
}

/**
 * Recognises failures of the wrapper (sudo, pct) rather than of the command, from its exit code and the
 * exact lines pct and sudo print, and says what to do about them.
 */
export function explainPctFailure(
  result: { exitCode: number | null; stderr: string },
  ctx: { vmid: number; node: string; host: string; user: string },
): string | undefined {
  if (result.exitCode === 0 || result.exitCode === null) return undefined;
  const lines = result.stderr.split('\n').map((l) => l.trim());
  const has = (re: RegExp) => lines.some((l) => re.test(l));
  const { vmid, node, host, user } = ctx;
  if (has(new RegExp(`^(Error: )?container '${vmid}' not running!?$`)) || has(new RegExp(`^CT ${vmid} not running$`))) {
    return `container ${vmid} is not running on node ${node}. Start it first: proxmox-api POST /nodes/${node}/lxc/${vmid}/status/start`;
  }
  if (has(new RegExp(`^Configuration file 'nodes/[^/]+/lxc/${vmid}\\.conf' does not exist$`))) {
    return `container ${vmid} does not exist on node ${node}. Find the node that hosts it: proxmox-api GET /cluster/resources with type=vm`;
  }
  if (result.exitCode === 127 && has(/(^|: )timeout: (command )?not found$/)) {
    return `coreutils 'timeout' was not found on ${host}: it is not a Proxmox VE node, or the PATH of SSH user ${user} is unusual.`;
  }
  if (
    result.exitCode === 127 &&
    has(/(^|: )pct: (command )?not found$|pct: No such file or directory$|failed to run command .pct.: No such file or directory$/)
  ) {
    return `'pct' was not found on ${host}: it is not a Proxmox VE node, or the PATH of SSH user ${user} lacks /usr/sbin. Check PROXMOX_SSH_HOSTS.`;
  }
  if (has(/^sudo: (a terminal is required|a password is required)/)) {
    return `sudo on ${host} asks ${user} for a password. Allow pct without one in sudoers, e.g.: ${user} ALL=(root) NOPASSWD: /usr/sbin/pct exec *`;
  }
  if (has(/^sudo: .*(command )?not found$/) && !has(/pct/)) {
    return `sudo is not installed on ${host}; install it or set PROXMOX_SSH_USER=root and PROXMOX_SSH_SUDO=false`;
  }
  if (has(/is not (allowed to execute|in the sudoers file)/)) {
    return `sudoers on ${host} does not let ${user} run pct. Add: ${user} ALL=(root) NOPASSWD: /usr/sbin/pct exec *`;
  }
  return undefined;
}
