import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ConfigError, type AppConfig } from './config.js';

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'];

/** The file must exist, be a file and be readable now, not only at the first call that needs it. */
function requireReadableFile(file: string, name: string, cluster: string | undefined): void {
  const where = cluster ? ` (cluster '${cluster}')` : '';
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    accessSync(file, constants.R_OK);
  } catch {
    throw new ConfigError(`${name}${where} names a file that does not exist or cannot be read`);
  }
}

/**
 * Settings that parse but cannot work, found at start-up rather than at the first call: a log level
 * nobody knows, a schema file, SSH key or known_hosts file that is not there. One line each, naming the
 * variable, never its value (a path can say more than it should).
 */
export function checkStartup(config: AppConfig, env: Env): void {
  const level = env.PROXMOX_LOG_LEVEL?.trim().toLowerCase();
  if (level && !LOG_LEVELS.includes(level)) throw new ConfigError(`PROXMOX_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const defaultKnownHosts = path.join(homedir(), '.ssh', 'known_hosts');
  const several = config.clusters.length > 1;
  for (const c of config.clusters) {
    const cluster = several ? c.name : undefined;
    if (c.schemaFile) requireReadableFile(c.schemaFile, 'PROXMOX_SCHEMA_FILE', cluster);
    if (c.ssh.keyPath) requireReadableFile(c.ssh.keyPath, 'PROXMOX_SSH_KEY_PATH', cluster);
    // The default ~/.ssh/known_hosts may well be missing (a pinned host key needs none); a named one may not.
    if (c.ssh.knownHostsPath !== defaultKnownHosts) requireReadableFile(c.ssh.knownHostsPath, 'PROXMOX_SSH_KNOWN_HOSTS', cluster);
  }
}
