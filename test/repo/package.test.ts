import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmEnv, root, stageRepository } from './staging.js';

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown> & {
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};

describe('the package.json a user installs from', () => {
  it('names a licence that is in the repository, where the code lives, and builds before packing', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(path.join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(pkg.repository).toMatchObject({
      type: 'git',
      url: expect.stringMatching(/^git\+https:\/\/github\.com\/[^/]+\/proxmox-mcp\.git$/),
    });
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\//);
    expect(pkg.scripts.prepack).toMatch(/\bbuild\b/);
  });

  it('depends at run time only on what dist/ does not bundle', () => {
    // scripts/build.mjs leaves exactly these to Node's resolver.
    const external = /external:\s*\[([^\]]*)\]/.exec(readFileSync(path.join(root, 'scripts/build.mjs'), 'utf8'))![1];
    const names = [...external.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    for (const dep of Object.keys(pkg.dependencies)) expect(names, `${dep} is bundled, so a devDependency`).toContain(dep);
  });
});

/** Whether `version` meets an `engines.node` range of the forms npm packages use (>=, >, <, <=, ^, ~, ||). */
export function nodeRangeAllows(range: string, version: string): boolean {
  const parse = (v: string) => {
    const parts = v
      .replace(/^v/, '')
      .split('.')
      .map((p) => (p === 'x' || p === '*' ? 0 : Number(p)));
    if (parts.some((p) => !Number.isInteger(p))) throw new Error(`cannot read version '${v}' in range '${range}'`);
    return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
  };
  const cmp = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  const have = parse(version);
  const comparator = (c: string): boolean => {
    const m = /^(>=|<=|>|<|\^|~|=)?\s*(\S+)$/.exec(c);
    if (!m) throw new Error(`cannot read '${c}' in range '${range}'`);
    const want = parse(m[2]);
    const d = cmp(have, want);
    switch (m[1]) {
      case '>=':
        return d >= 0;
      case '>':
        return d > 0;
      case '<=':
        return d <= 0;
      case '<':
        return d < 0;
      case '^':
        return d >= 0 && (want[0] > 0 ? have[0] === want[0] : have[1] === want[1]);
      case '~':
        return d >= 0 && have[0] === want[0] && have[1] === want[1];
      default:
        return m[2].split('.').length < 3 ? have[0] === want[0] : d === 0;
    }
  };
  return range.split('||').some((alt) => {
    const comparators = alt
      .trim()
      .replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    return comparators.length === 0 || comparators.every(comparator);
  });
}

describe('installing on the oldest supported Node line', () => {
  const OLDEST = '20.19.0';
  it('reads engine ranges as npm does', () => {
    expect(nodeRangeAllows('>=22', OLDEST)).toBe(false);
    expect(nodeRangeAllows('>= 20', OLDEST)).toBe(true);
    expect(nodeRangeAllows('^20.19.0 || >=22.12.0', OLDEST)).toBe(true);
    expect(nodeRangeAllows('^20.20.0 || >=22.12.0', OLDEST)).toBe(false);
    expect(nodeRangeAllows('^14.21.3 || >=16', OLDEST)).toBe(true);
    expect(nodeRangeAllows('>=0.10.0', OLDEST)).toBe(true);
  });

  it('locks no package whose engines refuse it (npm ci would print EBADENGINE)', () => {
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { engines?: { node?: string } | string[] }>;
    };
    const refusing = Object.entries(lock.packages)
      .filter(([, p]) => p.engines && !Array.isArray(p.engines) && typeof p.engines.node === 'string')
      .filter(([, p]) => !nodeRangeAllows((p.engines as { node: string }).node, OLDEST))
      .map(([name, p]) => `${name} (${(p.engines as { node: string }).node})`);
    expect(refusing).toEqual([]);
  });
});

describe('the packed tarball, installed into an empty prefix', () => {
  let stage: string;
  let files: string[] = [];
  let prefix: string;
  beforeAll(() => {
    stage = stageRepository('pmcp-pack-');
    const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', stage], {
      cwd: stage,
      env: npmEnv(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
    const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = info[0].files.map((f) => f.path);
    prefix = path.join(stage, 'prefix');
    const installed = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', path.join(stage, info[0].filename)], {
      cwd: stage,
      env: npmEnv(),
      encoding: 'utf8',
      timeout: 180_000,
    });
    if (installed.status !== 0) throw new Error(`npm install of the tarball failed: ${installed.stderr}`);
  }, 300_000);
  afterAll(() => {
    if (stage) rmSync(stage, { recursive: true, force: true });
  });

  it('holds the built CLI, the README and the licence, and no source maps, sources or tests', () => {
    expect(files).toEqual(expect.arrayContaining(['dist/cli.js', 'README.md', 'LICENSE', 'package.json']));
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => /^(src|test|bench|scripts)\//.test(f))).toEqual([]);
  });

  it('adds only a few packages', () => {
    const modules = path.join(prefix, 'lib/node_modules/proxmox-mcp/node_modules');
    const count = existsSync(modules)
      ? readdirSync(modules).flatMap((n) => (n.startsWith('@') ? readdirSync(path.join(modules, n)) : n.startsWith('.') ? [] : [n])).length
      : 0;
    expect(count).toBeLessThanOrEqual(10);
  });

  it('runs --demo from the installed command and lists its tools to a real client', async () => {
    const bin = path.join(prefix, 'bin/proxmox-mcp');
    const client = new Client({ name: 'package-test', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: bin,
      args: ['--demo'],
      env: { ...npmEnv(), PROXMOX_LOG_LEVEL: 'warn' },
      stderr: 'pipe',
    });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['proxmox-api', 'proxmox-api-read', 'proxmox-api-schema']));
      const answer = await client.callTool({ name: 'proxmox-api-read', arguments: { path: '/version' } });
      expect(answer.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  }, 60_000);
});
