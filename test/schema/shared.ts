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

/** PBS 4.2 and PDM 1.1 schemas (same tree format, Rust dialect). */
export const productApidocFile = (name: 'pbs-4.2' | 'pdm-1.1') => path.join(sharedDir, 'pve-apidoc', `${name}-apidoc.json`);
export const haveProductApidoc = (name: 'pbs-4.2' | 'pdm-1.1') => existsSync(productApidocFile(name));
export const productMissingNote = (name: 'pbs-4.2' | 'pdm-1.1') => `needs ${productApidocFile(name)} (../shared beside the repository)`;
export function productCatalog(name: 'pbs-4.2' | 'pdm-1.1'): Catalog {
  let c = catalogs.get(name);
  if (!c) {
    c = Catalog.fromApidoc(parseApidoc(readFileSync(productApidocFile(name), 'utf8')), { version: name.split('-')[1] });
    catalogs.set(name, c);
  }
  return c;
}
