import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Start-up time is measured in `npm run bench -- --startup`; what a start loads is a fact, checked here.
// A stdio start that answers tools/list must not load what only a call, another command or a signature needs.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/cli.js');

let dir: string;
let loaded: { files: string[]; builtins: string[] };

/** Starts the built server offline, lists the tools, closes stdin; returns what the process had loaded. */
async function loadedByToolsList(): Promise<{ files: string[]; builtins: string[] }> {
  const filesOut = path.join(dir, 'files.txt');
  const builtinsOut = path.join(dir, 'builtins.txt');
  // A preload writes, at exit, the files require loaded (in order) and the built-ins; a loader hook adds
  // any file loaded as an ES module, so that a build in either format is checked.
  writeFileSync(
    path.join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(filesOut)}, url + '\\n'); return next(url, context); }\n`,
  );
  writeFileSync(
    path.join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`,
  );
  writeFileSync(
    path.join(dir, 'at-exit.cjs'),
    `const { appendFileSync, writeFileSync } = require('node:fs');\nconst { pathToFileURL } = require('node:url');\n` +
      `process.on('exit', () => {\n` +
      `  appendFileSync(${JSON.stringify(filesOut)}, Object.keys(require.cache).map((f) => pathToFileURL(f).href + '\\n').join(''));\n` +
      `  writeFileSync(${JSON.stringify(builtinsOut)}, process.moduleLoadList.join('\\n'));\n` +
      `});\n`,
  );
  const child = spawn(
    process.execPath,
    ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, '-r', path.join(dir, 'at-exit.cjs'), cli],
    {
      env: {
        PATH: process.env.PATH,
        PROXMOX_URL: 'https://127.0.0.1:9',
        PROXMOX_API_TOKEN: 'start@pve!t=00000000-0000-0000-0000-000000000000',
        PROXMOX_CACHE_DIR: path.join(dir, 'cache'),
        PROXMOX_LOG_LEVEL: 'silent',
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const send = (m: object) => child.stdin.write(JSON.stringify({ jsonrpc: '2.0', ...m }) + '\n');
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no tools/list answer within 30 s')), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const message = JSON.parse(buffered.slice(0, nl)) as { id?: number };
        buffered = buffered.slice(nl + 1);
        if (message.id === 1) {
          send({ method: 'notifications/initialized' });
          send({ id: 2, method: 'tools/list' });
        }
        if (message.id === 2) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    send({
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
  });
  // Closing stdin ends the session at once, before the warm-up (500 ms later) loads the schema.
  child.stdin.end();
  expect(await exited).toBe(0);
  return {
    files: [
      ...new Set(
        readFileSync(filesOut, 'utf8')
          .split('\n')
          .filter((u) => u.startsWith('file:'))
          .map((u) => path.relative(root, fileURLToPath(u)))
          .filter((f) => !f.startsWith('..')),
      ),
    ],
    builtins: readFileSync(builtinsOut, 'utf8').split('\n'),
  };
}

describe.skipIf(!existsSync(cli))('what a stdio start loads before it answers tools/list (dist/cli.js)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pmcp-start-'));
    loaded = await loadedByToolsList();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The modules in each file the start loaded, named by the build's source maps (the bundler's helpers have none). */
  const sources = () =>
    loaded.files
      .filter((f) => !/^dist\/chunks\/rolldown-runtime-[\w-]+\.js$/.test(f))
      .flatMap((f) => {
        const map = path.join(root, `${f}.map`);
        expect(existsSync(map), `${map} (npm run build writes source maps)`).toBe(true);
        const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] };
        return sources.map((s) => path.relative(root, path.resolve(path.dirname(path.join(root, f)), s)));
      });

  it('loads the stdio command, not the other commands', () => {
    expect(sources()).toEqual(expect.arrayContaining(['src/cli.ts', 'src/command-line.ts', 'src/stdio-command.ts']));
    expect(sources().filter((s) => /^src\/(http-command|call-command|help|audit-command|fingerprint-command)\.ts$/.test(s))).toEqual([]);
  });

  it('loads the start in at most three files: the entry, one chunk with the rest of the start, the bundler helpers', () => {
    // Each file costs a start about a millisecond to resolve, read, compile and link (scripts/build.mjs).
    expect(loaded.files[0]).toBe('dist/cli.js');
    expect(loaded.files.length, loaded.files.join(', ')).toBeLessThanOrEqual(3);
  });

  it('loads the start from the entry only after the compile caches are on', () => {
    // A static import would load and compile its chunk before the entry's first line runs (src/cli.ts).
    const entry = readFileSync(cli, 'utf8');
    expect(entry).not.toMatch(/\b(from|import)\s*["'`]\.\.?\//);
    const required = [...entry.matchAll(/require\(["'`](\.\.?\/[^"'`]+)["'`]\)/g)].map((m) => m[1]);
    expect(required.filter((f) => !/^\.\/chunks\/rolldown-runtime-[\w-]+\.js$/.test(f))).toEqual(['./chunks/start.js']);
    expect(entry).toMatch(/\.then\(\(\)\s*=>\s*require\(["'`]\.\/chunks\/start\.js["'`]\)\)/);
  });

  it('loads no module that only a call needs: the HTTPS client, the call engine, search, permissions, exec, simulator', () => {
    expect(sources()).toContain('src/server.ts');
    const onlyForCalls =
      /^src\/(proxmox\/client|tools\/api-call|tools\/guard|schema\/(search|discovery|loader|catalog)|safety\/permissions|exec\/|simulator\/|http\/)|@modelcontextprotocol\/node\//;
    expect(sources().filter((s) => onlyForCalls.test(s))).toEqual([]);
  });

  it('loads neither node:crypto nor the TLS stack', () => {
    expect(loaded.builtins.filter((m) => /^NativeModule (crypto|https|tls|internal\/crypto\/.*)$/.test(m))).toEqual([]);
  });
});
