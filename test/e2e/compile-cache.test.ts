import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import nodeModule from 'node:module';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCacheDir } from '../../src/compile-cache.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/cli.js');
const nodeHasCache = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

describe('where the compile cache lives', () => {
  it('is compile/ in the schema cache folder, absolute, and never a relative or odd path', () => {
    expect(compileCacheDir({ PROXMOX_CACHE_DIR: '/srv/pmcp' })).toBe('/srv/pmcp/compile');
    expect(compileCacheDir({ PROXMOX_CACHE_DIR: '~/pm' })).toBe(path.join(homedir(), 'pm', 'compile'));
    expect(compileCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/proxmox-mcp/compile');
    expect(compileCacheDir({})).toBe(path.join(homedir(), '.cache', 'proxmox-mcp', 'compile'));
    // Relative folders and control characters are not guessed at: the default is used.
    expect(compileCacheDir({ PROXMOX_CACHE_DIR: 'cache', XDG_CACHE_HOME: 'rel' })).toBe(
      path.join(homedir(), '.cache', 'proxmox-mcp', 'compile'),
    );
    expect(compileCacheDir({ PROXMOX_CACHE_DIR: '/tmp/a\nb' })).toBe(path.join(homedir(), '.cache', 'proxmox-mcp', 'compile'));
  });
});

if (!nodeHasCache)
  console.warn(`skipping the compile cache process tests: Node ${process.versions.node} has no module.enableCompileCache (22.1+)`);

describe.skipIf(!nodeHasCache || !existsSync(cli))('the compile cache of a real start (Node 22.1+)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pmcp-compile-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function listTools(cacheDir: string, extra: Record<string, string> = {}): Promise<number> {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, PROXMOX_LOG_LEVEL: 'silent', ...extra };
    Object.assign(env, {
      PROXMOX_URL: 'https://127.0.0.1:9',
      PROXMOX_API_TOKEN: 'cc@pve!t=00000000-0000-0000-0000-000000000000',
      PROXMOX_CACHE_DIR: cacheDir,
    });
    const client = new Client({ name: 'compile-cache', version: '1' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli], env, stderr: 'pipe' }));
    const { tools } = await client.listTools();
    await client.close();
    return tools.length;
  }

  it('keeps the compiled code in a folder only this user can open, and answers the same from it', async () => {
    const cache = path.join(dir, 'a');
    expect(await listTools(cache)).toBe(4);
    const compile = path.join(cache, 'compile');
    expect(statSync(compile).mode & 0o777).toBe(0o700);
    expect(readdirSync(compile).length).toBeGreaterThan(0);
    expect(await listTools(cache)).toBe(4);
  }, 60_000);

  it('uses no folder that others may write, and none at all under NODE_DISABLE_COMPILE_CACHE', async () => {
    const shared = path.join(dir, 'shared');
    mkdirSync(path.join(shared, 'compile'), { recursive: true });
    chmodSync(path.join(shared, 'compile'), 0o777);
    expect(await listTools(shared)).toBe(4);
    expect(readdirSync(path.join(shared, 'compile'))).toEqual([]);

    const off = path.join(dir, 'off');
    expect(await listTools(off, { NODE_DISABLE_COMPILE_CACHE: '1' })).toBe(4);
    expect(existsSync(path.join(off, 'compile'))).toBe(false);
  }, 60_000);
});
