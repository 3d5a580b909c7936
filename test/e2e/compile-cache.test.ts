import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
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
  console.warn(`skipping Node's own compile cache test: Node ${process.versions.node} has no module.enableCompileCache (22.1+)`);

/** A start of the built server that lists the tools; `linger` keeps it running after that, in ms. */
async function listTools(home: string, cacheDir: string, extra: Record<string, string> = {}, linger = 0): Promise<number> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: home, PROXMOX_LOG_LEVEL: 'silent', ...extra };
  Object.assign(env, {
    PROXMOX_URL: 'https://127.0.0.1:9',
    PROXMOX_API_TOKEN: 'cc@pve!t=00000000-0000-0000-0000-000000000000',
    PROXMOX_CACHE_DIR: cacheDir,
  });
  const client = new Client({ name: 'compile-cache', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli], env, stderr: 'pipe' }));
  const { tools } = await client.listTools();
  if (linger) await new Promise((r) => setTimeout(r, linger));
  await client.close();
  return tools.length;
}

/** The first line of the start's code cache, which says what it was made for. */
const headerOf = (file: string) => readFileSync(file).subarray(0, 200).toString('latin1').split('\n')[0];

describe.skipIf(!existsSync(cli))("the start's own code cache (every Node)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pmcp-start-cache-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is written by a start that outlasts its first second, privately, and then only read', async () => {
    const cache = path.join(dir, 'a');
    const file = path.join(cache, 'compile', 'start.v8');
    // The cache is written a second after the start, or at exit: lingering past that gives the settled one.
    expect(await listTools(dir, cache, {}, 1_500)).toBe(4);
    expect(statSync(path.join(cache, 'compile')).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The build's digest of the start chunk, written into the entry (scripts/build.mjs).
    const digest = /\b[0-9a-f]{32}\b/.exec(readFileSync(cli, 'utf8'))?.[0];
    expect(digest).toBeDefined();
    expect(headerOf(file)).toMatch(
      new RegExp(`^proxmox-mcp start code ${digest} ${process.version} ${process.arch} \\d+ [\\d.]+ settled$`),
    );
    expect(statSync(file).size).toBeGreaterThan(100_000);
    const before = readFileSync(file);
    // A start that V8 let use the cache writes nothing; one it refused would replace the file at exit.
    expect(await listTools(dir, cache)).toBe(4);
    expect(readFileSync(file).equals(before)).toBe(true);
  }, 60_000);

  it("replaces a cache that V8 refuses, one of another build, a huge one, a folder, someone else's and a link, following no link", async () => {
    const cache = path.join(dir, 'b');
    const file = path.join(cache, 'compile', 'start.v8');
    expect(await listTools(dir, cache)).toBe(4);
    const good = readFileSync(file);
    const header = headerOf(file);

    // The right first line over code that is not V8's: refused by V8, then replaced.
    writeFileSync(file, Buffer.concat([Buffer.from(header + '\n', 'latin1'), Buffer.alloc(50_000, 7)]));
    expect(await listTools(dir, cache)).toBe(4);
    expect(headerOf(file)).toMatch(/ (early|settled)$/);
    expect(statSync(file).size).toBeGreaterThan(100_000);

    // Made for another build of the start chunk: not given to V8 at all, replaced.
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(header.replace(/code [0-9a-f]{32}/, `code ${'0'.repeat(32)}`) + '\n', 'latin1'),
        good.subarray(header.length + 1),
      ]),
    );
    expect(await listTools(dir, cache)).toBe(4);
    expect(headerOf(file)).toBe(header);

    // Far larger than any cache: not read.
    rmSync(file);
    writeFileSync(file, header + '\n');
    truncateSync(file, 65 * 1024 * 1024);
    expect(await listTools(dir, cache)).toBe(4);
    expect(statSync(file).size).toBeLessThan(10 * 1024 * 1024);

    // A folder in its place: the start goes on without a cache.
    rmSync(file);
    mkdirSync(file);
    expect(await listTools(dir, cache)).toBe(4);
    expect(lstatSync(file).isDirectory()).toBe(true);
    rmSync(file, { recursive: true });

    // Someone else's file (as root, the only one who can make one here): not read, replaced.
    if (process.getuid?.() === 0) {
      writeFileSync(file, good);
      chownSync(file, 65534, 65534);
      expect(await listTools(dir, cache)).toBe(4);
      expect(statSync(file).uid).toBe(0);
    }

    // A link is not followed, neither to read nor to write: its target stays as it was.
    const target = path.join(dir, 'elsewhere.bin');
    writeFileSync(target, good);
    rmSync(file);
    symlinkSync(target, file);
    expect(await listTools(dir, cache)).toBe(4);
    expect(lstatSync(file).isFile()).toBe(true);
    expect(readFileSync(target).equals(good)).toBe(true);
  }, 90_000);

  it('uses no folder that others may write, and none at all under NODE_DISABLE_COMPILE_CACHE', async () => {
    const shared = path.join(dir, 'shared');
    mkdirSync(path.join(shared, 'compile'), { recursive: true });
    chmodSync(path.join(shared, 'compile'), 0o777);
    expect(await listTools(dir, shared)).toBe(4);
    expect(readdirSync(path.join(shared, 'compile'))).toEqual([]);

    const off = path.join(dir, 'off');
    expect(await listTools(dir, off, { NODE_DISABLE_COMPILE_CACHE: '1' })).toBe(4);
    expect(existsSync(path.join(off, 'compile'))).toBe(false);
  }, 60_000);
});

describe.skipIf(!nodeHasCache || !existsSync(cli))("Node's compile cache for what a start loads later (Node 22.1+)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pmcp-compile-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps Node's compiled code beside the start's, and answers the same from it", async () => {
    const cache = path.join(dir, 'a');
    expect(await listTools(dir, cache)).toBe(4);
    const compile = path.join(cache, 'compile');
    expect(readdirSync(compile).filter((f) => f !== 'start.v8').length).toBeGreaterThan(0);
    expect(await listTools(dir, cache)).toBe(4);
  }, 60_000);
});
