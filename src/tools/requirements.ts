import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ClusterConfig } from '../config/schema.js';
import { productFacts } from '../proxmox/products.js';

// What a tool needs from a cluster beyond the API: the registry offers a tool only where it can work, and
// a tool pointing the model at another one says when that one is not offered, and why.

/** Why a cluster cannot serve a tool, or undefined when it can. */
export type Requirement = (cluster: ClusterConfig) => string | undefined;

const readable = (file: string) => {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
};

export function sshProblem(c: ClusterConfig): string | undefined {
  const { keyPath, agentSocket, knownHostsPath, hostFingerprint } = c.ssh;
  if (keyPath && !readable(keyPath)) return `the SSH key file (PROXMOX_SSH_KEY_PATH or ssh.keyPath) cannot be read`;
  if (!keyPath && !agentSocket) {
    return 'SSH is not configured (set PROXMOX_SSH_KEY_PATH, run an ssh-agent, or give the config file an ssh section with keyPath)';
  }
  // A known_hosts file named on purpose but missing would refuse every node's key; the default one may
  // be absent (each call then names the key the node showed, to be checked and added).
  const chosen = knownHostsPath !== path.join(homedir(), '.ssh', 'known_hosts');
  if (chosen && !hostFingerprint && !readable(knownHostsPath)) {
    return 'the SSH known_hosts file (PROXMOX_SSH_KNOWN_HOSTS or ssh.knownHosts) cannot be read, and no PROXMOX_SSH_HOST_FINGERPRINT is pinned';
  }
  return undefined;
}

/** Guests to run commands in exist on Proxmox VE only, not on a Backup Server or Datacenter Manager. */
export function guestsProblem(c: ClusterConfig): string | undefined {
  const facts = productFacts(c.product);
  return facts.guests ? undefined : `no Proxmox VE target (cluster '${c.name}' is a ${facts.name}, which has no VMs or containers)`;
}
