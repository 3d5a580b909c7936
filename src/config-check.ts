import { accessSync, constants, statSync } from 'node:fs';
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
 * nobody knows, a schema file that is not there. One line each, naming the variable, never its value
 * (a path can say more than it should).
 */
export function checkStartup(config: AppConfig, env: Env): void {
  const level = env.PROXMOX_LOG_LEVEL?.trim().toLowerCase();
  if (level && !LOG_LEVELS.includes(level)) throw new ConfigError(`PROXMOX_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const several = config.clusters.length > 1;
  for (const c of config.clusters) {
    const cluster = several ? c.name : undefined;
    if (c.schemaFile) requireReadableFile(c.schemaFile, 'PROXMOX_SCHEMA_FILE', cluster);
    // SSH files are not checked here: without a readable key the container tool is simply not offered,
    // and start-up says so in one line (tools/registry); the rest of the server works without SSH.
  }
}
