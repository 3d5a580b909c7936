import { accessSync, constants, statSync } from 'node:fs';
import type { Env } from './env.js';
import { ConfigError } from './error.js';
import type { AppConfig } from './schema.js';
import type { ConfigSource } from './source.js';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'];

/** The file must exist, be a file and be readable now, not only at the first call that needs it. */
function readable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Settings that parse but cannot work, found at start-up rather than at the first call: a log level
 * nobody knows, a schema file that is not there. One line each, naming the setting as its source spells
 * it, never its value (a path can say more than it should).
 */
export function checkStartup(config: AppConfig, env: Env, source: ConfigSource): void {
  const level = env.PROXMOX_LOG_LEVEL?.trim().toLowerCase();
  if (level && !LOG_LEVELS.includes(level)) throw new ConfigError(`PROXMOX_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const unreadable = new Set<string>();
  for (const c of config.clusters) {
    if (!c.schemaFile || readable(c.schemaFile)) continue;
    const name = source.name(['clusters', c.name, 'schemaFile']);
    unreadable.add(`${name.where ? `${name.where}: ` : ''}${name.label} names a file that does not exist or cannot be read`);
    // SSH files are not checked here: without a readable key the container tool is simply not offered,
    // and start-up says so in one line (tools/registry); the rest of the server works without SSH.
  }
  if (unreadable.size) throw new ConfigError([...unreadable].join('; '));
}
