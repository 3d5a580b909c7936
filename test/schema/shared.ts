import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseApidoc } from '../../src/schema/apidoc.js';
import { Catalog } from '../../src/schema/catalog.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Reference data beside the repository, never copied into it. */
export const sharedDir = path.resolve(repoRoot, '../shared');
export const apidocFile = (version: string) => path.join(sharedDir, 'pve-apidoc', `pve-${version}-apidoc.json`);
export const tasksFile = path.join(sharedDir, 'bench', 'discovery-tasks.json');
export const haveApidoc = existsSync(apidocFile('9.2'));
export const missingNote = `needs ${apidocFile('9.2')} (../shared beside the repository)`;

const catalogs = new Map<string, Catalog>();
export function catalogFor(version = '9.2'): Catalog {
  let c = catalogs.get(version);
  if (!c) {
    c = Catalog.fromApidoc(parseApidoc(readFileSync(apidocFile(version), 'utf8')), { version });
    catalogs.set(version, c);
  }
  return c;
}
