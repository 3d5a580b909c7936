import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function testFiles(dir = path.join(root, 'test')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(path.join(dir, e.name)) : /\.ts$/.test(e.name) ? [path.join(dir, e.name)] : [],
  );
}

describe('a fresh clone with nothing beside it', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'pmcp-fresh-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds reference data through one module only', () => {
    const own = path.join(root, 'test/reference-data.ts');
    const offenders = testFiles()
      .filter((f) => f !== own && f !== fileURLToPath(import.meta.url))
      .filter((f) => /\.\.\/shared\b|['"`/]shared\/(pve-|bench)/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => path.relative(root, f))).toEqual([]);
  });

  it('skips what needs ../shared with one line naming it, and leaves nothing in $TMPDIR', () => {
    const missing = path.join(scratch, 'no-shared-here');
    const tmp = mkdtempSync(path.join(scratch, 'tmp-'));
    // Files that read reference data while their tests are collected (a skipped block is still
    // collected), plus one that makes temporary folders and never removes them.
    const files = [
      'test/safety/destructive.test.ts',
      'test/schema/search-cache.test.ts',
      'test/simulator/schema-conformance.test.ts',
      'test/http/clusters.test.ts',
      'test/config.test.ts',
    ];
    const run = spawnSync(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=dot', ...files], {
      cwd: root,
      env: { ...process.env, PROXMOX_MCP_REFERENCE_DIR: missing, TMPDIR: tmp, NO_COLOR: '1', FORCE_COLOR: '0' },
      encoding: 'utf8',
      timeout: 280_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).not.toMatch(/ENOENT/);
    expect(
      output.split('\n').filter((l) => l.includes(missing)),
      output,
    ).toHaveLength(1);
    expect(readdirSync(tmp)).toEqual([]);
  }, 300_000);
});
