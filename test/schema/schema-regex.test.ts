import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchSchemaPattern, patternCheckable, re2Source } from '../../src/schema/schema-regex.js';
import { validateParams } from '../../src/schema/validate.js';
import type { Operation, ParamSpec } from '../../src/schema/catalog.js';
import { sharedPath } from '../reference-data.js';

const dir = sharedPath('pve-apidoc');

function patternsOf(file: string): Set<string> {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'pattern' && typeof v === 'string') found.add(v);
        else walk(v);
      }
    }
  };
  walk(JSON.parse(readFileSync(file, 'utf8')));
  return found;
}

/**
 * Inputs that make backtracking engines explode: long runs of one or two characters each pattern's
 * repetitions accept, followed by a character that makes the whole match fail at the very end.
 */
function adversarialInputs(pattern: string): string[] {
  const literals = new Set([...'aA0-._:/@=,;+ !x\\"[(', ...pattern.replace(/\\./g, '').replace(/[^\x21-\x7e]/g, '')]);
  const units: string[] = [];
  for (const a of literals) {
    units.push(a);
    for (const b of ['a', '0', '-', '.', '_', ':', '/']) units.push(a + b);
  }
  const inputs: string[] = [];
  for (const unit of units) for (const tail of ['!', '\u0000', '-', '']) inputs.push(unit.repeat(Math.ceil(3000 / unit.length)) + tail);
  inputs.push('a'.repeat(30) + '!', 'a-'.repeat(20) + '!', 'a.a'.repeat(20) + '..');
  return inputs;
}

describe('schema patterns run in a linear-time engine', () => {
  it('reads Perl and Rust forms the way the node applies them', () => {
    expect(re2Source('(?^u:[a-z]+)')).toBe('^(?:(?:[a-z]+))$');
    expect(matchSchemaPattern('(?^u:[a-zA-Z0-9]{1,12})', 'abc123')).toBe('match');
    expect(matchSchemaPattern('(?^u:[a-zA-Z0-9]{1,12})', 'abc-123')).toBe('mismatch');
    expect(matchSchemaPattern('/^[a-z]+$/', 'abc')).toBe('match');
    expect(matchSchemaPattern('/^[a-z]+$/', '/abc/')).toBe('mismatch');
    // anchored like PVE's m/^$pattern$/: a match in the middle is not a match
    expect(matchSchemaPattern('[a-z]+', 'abc1')).toBe('mismatch');
    // RE2's repeat bound is 1000: a longer bound is loosened, never tightened
    expect(matchSchemaPattern('[0-9a-zA-Z!=]{0,4096}', 'ab==')).toBe('match');
    expect(matchSchemaPattern('[0-9a-zA-Z!=]{0,4096}', 'ab ==')).toBe('mismatch');
    // an atomic group is checked as a plain group (it accepts at least as much)
    expect(matchSchemaPattern('(?^u:^((?>[+-]?[\\w\\-\\._=]+,?)+)$)', '+a,-b')).toBe('match');
    // an escaped parenthesis is not a group
    expect(matchSchemaPattern('\\(?>x', '(>x')).toBe('match');
  });

  it('leaves what RE2 cannot express to the node instead of guessing', () => {
    expect(patternCheckable('(a)\\1')).toBe(false);
    expect(matchSchemaPattern('(a)\\1', 'ab')).toBe('unchecked');
    expect(matchSchemaPattern('(?=a)a', 'a')).toBe('unchecked');
  });

  it('a 30-character value against the OCI reference pattern is refused at once', () => {
    const oci =
      '^(?:(?:[a-zA-Z\\d]|[a-zA-Z\\d][a-zA-Z\\d-]*[a-zA-Z\\d])(?:\\.(?:[a-zA-Z\\d]|[a-zA-Z\\d][a-zA-Z\\d-]*[a-zA-Z\\d]))*(?::\\d+)?/)?[a-z\\d]+(?:(?:[._]|__|[-]*)[a-z\\d]+)*(?:/[a-z\\d]+(?:(?:[._]|__|[-]*)[a-z\\d]+)*)*:\\w[\\w.-]{0,127}$';
    for (const value of ['a'.repeat(30) + '!', 'a-'.repeat(5000) + 'A', 'a'.repeat(100_000)]) {
      expect(matchSchemaPattern(oci, value)).toBe('mismatch');
    }
    expect(matchSchemaPattern(oci, 'docker.io/library/debian:12')).toBe('match');
  });

  it('control characters pass only where the pattern itself accepts them', () => {
    const spec = (name: string, extra: Partial<ParamSpec>): ParamSpec => ({
      name,
      type: 'string',
      optional: true,
      indexed: false,
      inPath: false,
      raw: {},
      ...extra,
    });
    const op = {
      method: 'POST',
      path: '/x',
      params: [spec('free', {}), spec('bin', { pattern: '[\\x00-\\x7f]*' }), spec('id', { pattern: '[a-z\\x00]+' })],
      pathParams: [],
      additionalParams: false,
    } as unknown as Operation;
    expect(validateParams(op, { bin: 'a\u0000b' }).ok).toBe(true);
    expect(validateParams(op, { free: 'line one\nline two\ttab' }).ok).toBe(true);
    for (const bad of ['a\u0000b', 'a\u0007', 'x\u001b[2J', 'a\u007f', 'a\u0085b', 'a\u000bb']) {
      const r = validateParams(op, { free: bad });
      expect(r.ok, JSON.stringify(bad)).toBe(false);
      expect(r.errors.join()).toMatch(/'free' holds the control character U\+00[0-9A-F]{2} at character \d/);
    }
  });
});

describe.skipIf(!existsSync(dir))(`every pattern of every schema in ${dir}${existsSync(dir) ? '' : ' (missing: skipped)'}`, () => {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  for (const file of files) {
    it(`${file}: each pattern finishes adversarial inputs in milliseconds, and almost all are checked here`, () => {
      const patterns = patternsOf(path.join(dir, file));
      expect(patterns.size).toBeGreaterThan(0);
      let slowest = { ms: 0, pattern: '' };
      let unchecked = 0;
      for (const pattern of patterns) {
        if (!patternCheckable(pattern)) {
          unchecked++;
          continue;
        }
        const started = performance.now();
        for (const input of adversarialInputs(pattern)) matchSchemaPattern(pattern, input);
        const ms = performance.now() - started;
        if (ms > slowest.ms) slowest = { ms, pattern };
      }
      // Backtracking takes hours on these inputs; a linear engine takes milliseconds. The bound is loose
      // on purpose (a shared 2-core machine), the difference is many orders of magnitude.
      expect(slowest.ms, slowest.pattern.slice(0, 120)).toBeLessThan(5_000);
      expect(unchecked).toBeLessThanOrEqual(Math.ceil(patterns.size * 0.05));
    });
  }
});
