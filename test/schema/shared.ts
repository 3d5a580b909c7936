import { readFileSync } from 'node:fs';
import { parseApidoc } from '../../src/schema/apidoc.js';
import { Catalog } from '../../src/schema/catalog.js';
import { apidocFile, haveShared, needsNote, sharedPath } from '../reference-data.js';

export { apidocFile };
export const tasksFile = sharedPath('bench', 'discovery-tasks.json');
export const haveApidoc = haveShared(apidocFile('9.2'));
export const missingNote = needsNote(apidocFile('9.2'));

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
export const productApidocFile = (name: 'pbs-4.2' | 'pdm-1.1') => sharedPath('pve-apidoc', `${name}-apidoc.json`);
export const haveProductApidoc = (name: 'pbs-4.2' | 'pdm-1.1') => haveShared(productApidocFile(name));
export const productMissingNote = (name: 'pbs-4.2' | 'pdm-1.1') => needsNote(productApidocFile(name));
export function productCatalog(name: 'pbs-4.2' | 'pdm-1.1'): Catalog {
  let c = catalogs.get(name);
  if (!c) {
    c = Catalog.fromApidoc(parseApidoc(readFileSync(productApidocFile(name), 'utf8')), { version: name.split('-')[1] });
    catalogs.set(name, c);
  }
  return c;
}
