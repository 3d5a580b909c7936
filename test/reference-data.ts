import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Reference data (real PVE schemas, recordings, benchmark sets) lives beside the repository in
 * `../shared`, never inside it. A fresh clone has none: every test that needs it skips, and the run
 * prints one line naming the folder (test/global-setup.ts). PROXMOX_MCP_REFERENCE_DIR points elsewhere.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sharedDir = path.resolve(process.env.PROXMOX_MCP_REFERENCE_DIR || path.join(repoRoot, '../shared'));

/** A path inside the reference data, e.g. `sharedPath('pve-apidoc', 'pve-9.2-apidoc.json')`. */
export const sharedPath = (...parts: string[]): string => path.join(sharedDir, ...parts);
export const apidocFile = (version: string): string => sharedPath('pve-apidoc', `pve-${version}-apidoc.json`);

/** True when every named file or folder of the reference data is there. */
export const haveShared = (...files: string[]): boolean => existsSync(sharedDir) && files.every((f) => existsSync(f));

/** The skip title's note: which file is needed. */
export const needsNote = (file: string): string => `needs ${file}`;
