import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseApidoc } from '../../src/schema/apidoc.js';
import { Catalog } from '../../src/schema/catalog.js';
import { apidocFile } from './shared.js';

/** Viewer code like the real apidoc.js tail: brackets inside strings, regexes and comments. */
const VIEWER_JS = `
// viewer code follows: ] } [ in a comment
Ext.onReady(function() {
    var s = "a ] string with \\" escaped quote and [ brackets";
    var t = 'single ] quoted [';
    var u = \`template ] \${1 + 1} [\`;
    /* block comment ] */
});
`;

const wrap = (json: string, decl = 'const') => `${decl} apiSchema = ${json};\n${VIEWER_JS}`;

describe('parseApidoc', () => {
  it('reads a bare array and a wrapped one, with brackets in strings', () => {
    const tree = [
      { path: '/x', text: 'x', leaf: 1, info: { GET: { name: 'x', description: 'has ] and [ and "quotes"', parameters: {} } } },
    ];
    const json = JSON.stringify(tree);
    expect(parseApidoc(json)).toEqual(tree);
    expect(parseApidoc(wrap(json))).toEqual(tree);
    expect(parseApidoc(wrap(json, 'var'))).toEqual(tree);
  });

  it('gives clear errors for files without a schema', () => {
    expect(() => parseApidoc('console.log("hello")')).toThrow(/no API schema found/);
    expect(() => parseApidoc('')).toThrow(/no API schema found/);
    expect(() => parseApidoc('const apiSchema = [{"path": "/x"')).toThrow(/truncated/);
    expect(() => parseApidoc('[1, 2]')).toThrow(/does not hold API nodes/);
    expect(() => parseApidoc('const apiSchema = [{path: "/x"}];')).toThrow(/not valid JSON/);
  });

  const counts: Record<string, number> = { '7.4': 504, '8.4': 605, '9.2': 675 };
  for (const [version, expected] of Object.entries(counts)) {
    const file = apidocFile(version);
    describe.skipIf(!existsSync(file))(`PVE ${version} (${file})`, () => {
      const json = existsSync(file) ? readFileSync(file, 'utf8') : '[]';
      it(`has ${expected} operations, as JSON and as apidoc.js`, () => {
        expect(Catalog.fromApidoc(parseApidoc(json)).operations).toHaveLength(expected);
        expect(Catalog.fromApidoc(parseApidoc(wrap(json))).operations).toHaveLength(expected);
      });
    });
  }
});
