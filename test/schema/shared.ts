import { readFileSync } from 'node:fs';
import { parseApidoc } from '../../src/schema/apidoc.js';
import { Catalog } from '../../src/schema/catalog.js';
import { apidocFile, haveShared, needsNote, sharedDir, sharedPath } from '../reference-data.js';

export { apidocFile, sharedDir };
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
