import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { entriesFor, knownHostsName, parseKnownHosts, sha256Fingerprint, type KnownHostEntry } from './known-hosts.js';
import { singleQuote } from './posix-quote.js';

export interface HostKeyPolicy {
  host: string;
  port: number;
  knownHostsPath: string;
  /** PROXMOX_SSH_HOST_FINGERPRINT: `SHA256:base64`, or the SHA-256 in hex with or without colons. */
  pinnedFingerprint?: string;
}

export type HostKeyVerdict =
  { ok: true; fingerprint: string } | { ok: false; problem: 'unknown' | 'mismatch' | 'revoked'; fingerprint: string; message: string };

/** Reads known_hosts; a missing file is simply "no host known yet". */
export function loadKnownHosts(path: string): KnownHostEntry[] {
  try {
    return parseKnownHosts(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`cannot read the SSH known_hosts file ${path} (PROXMOX_SSH_KNOWN_HOSTS): ${(e as Error).message}`);
  }
}

function pinMatches(pin: string, blob: Buffer): boolean {
  const trimmed = pin.trim();
  if (/^SHA256:/i.test(trimmed)) return trimmed.slice(7).replace(/=+$/, '') === sha256Fingerprint(blob).slice(7);
  return trimmed.replace(/:/g, '').toLowerCase() === createHash('sha256').update(blob).digest('hex');
}

/**
 * Decides whether to trust the key a node presented: known_hosts and the pinned fingerprint are both
 * trust sources, and either may vouch for it. A key contradicting either is refused as a mismatch,
 * never silently replaced.
 */
export function checkHostKey(blob: Buffer, policy: HostKeyPolicy, entries: KnownHostEntry[]): HostKeyVerdict {
  const fingerprint = sha256Fingerprint(blob);
  const where = knownHostsName(policy.host, policy.port);
  const { keys, revoked } = entriesFor(entries, policy.host, policy.port);
  if (revoked.some((e) => e.key.equals(blob))) {
    return {
      ok: false,
      problem: 'revoked',
      fingerprint,
      message: `the SSH host key of ${where} (${fingerprint}) is marked @revoked in ${policy.knownHostsPath}; refusing to connect.`,
    };
  }
  if (policy.pinnedFingerprint && pinMatches(policy.pinnedFingerprint, blob)) return { ok: true, fingerprint };
  if (keys.some((e) => e.key.equals(blob))) return { ok: true, fingerprint };

  if (keys.length > 0) {
    const lines = keys.map((e) => `${e.keyType} on line ${e.line}`).join(', ');
    return {
      ok: false,
      problem: 'mismatch',
      fingerprint,
      message:
        `SSH HOST KEY MISMATCH for ${where}: the node presented ${fingerprint}, but ${policy.knownHostsPath} holds a different key ` +
        `(${lines}). Someone may be intercepting the connection, or the node was reinstalled. Refused. ` +
        `Only if you have checked the new key on the node itself (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), ` +
        `remove the old entry with: ssh-keygen -R ${singleQuote(where)} -f ${singleQuote(policy.knownHostsPath)}`,
    };
  }
  if (policy.pinnedFingerprint) {
    return {
      ok: false,
      problem: 'mismatch',
      fingerprint,
      message:
        `SSH HOST KEY MISMATCH for ${where}: the node presented ${fingerprint}, not the pinned PROXMOX_SSH_HOST_FINGERPRINT ` +
        `${policy.pinnedFingerprint}. Refused. Check the key on the node (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).`,
    };
  }
  return {
    ok: false,
    problem: 'unknown',
    fingerprint,
    message:
      `the SSH host key of ${where} is not known (it presented ${fingerprint}); refusing to connect. To trust it, compare that ` +
      `fingerprint with the output of 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' on the node, then either run: ` +
      `ssh-keyscan -p ${policy.port} ${policy.host} >> ${singleQuote(policy.knownHostsPath)}  ` +
      `or set PROXMOX_SSH_HOST_FINGERPRINT=${fingerprint}`,
  };
}

/** Host key algorithms to offer, so a node with several keys presents one that known_hosts can vouch for. */
export function preferredHostKeyAlgorithms(entries: KnownHostEntry[], host: string, port: number): string[] | undefined {
  const types = new Set(entriesFor(entries, host, port).keys.map((e) => e.keyType));
  const algos: string[] = [];
  for (const type of types) {
    if (type === 'ssh-rsa') algos.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else if (type === 'ssh-ed25519' || type.startsWith('ecdsa-sha2-')) algos.push(type);
  }
  return algos.length ? algos : undefined;
}
