import { cpSync, existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What packing and bundling read: a copy, so that their builds never touch the dist/ other tests run. */
const PACKABLE = [
  'package.json',
  'package-lock.json',
  'README.md',
  'LICENSE',
  'tsconfig.json',
  'manifest.json',
  'server.json',
  'src',
  'scripts',
  'assets',
];

/** A copy of the repository's packable parts in a new temporary folder, sharing its node_modules. */
export function stageRepository(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  for (const name of PACKABLE) {
    if (existsSync(path.join(root, name))) cpSync(path.join(root, name), path.join(dir, name), { recursive: true });
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** The environment for npm in a test: no lifecycle variables of the `npm test` that runs us. */
export function npmEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('npm_') && !k.startsWith('PROXMOX_') && !k.startsWith('MCP_')) env[k] = v;
  }
  return { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
}
