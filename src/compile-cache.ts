import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import nodeModule, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

type Env = Record<string, string | undefined>;

// Imports nothing of ours: a module of ours imported here would be bundled into the start's chunk, which
// the entry would then load, and compile, before the cache is on.

/** `~` as config/values.ts `expandHome` reads it. */
const expandHome = (p: string) => (p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p);

/** Node 22.1 and later; absent on Node 20. */
type EnableCompileCache = (directory: string) => { status: number; message?: string };

/**
 * Where V8's compiled code of our modules is kept: `compile/` in the schema cache's folder (PROXMOX_CACHE_DIR,
 * else $XDG_CACHE_HOME/proxmox-mcp, else ~/.cache/proxmox-mcp), as an absolute path. Never the shared
 * temporary folder Node would pick by default: what is in this cache runs as this process, so it must be
 * a folder only this user can write.
 */
export function compileCacheDir(env: Env = process.env): string {
  const usable = (p: string | undefined) => {
    const expanded = p === undefined ? undefined : expandHome(p.trim());
    return expanded && path.isAbsolute(expanded) && !/[\x00-\x1f\x7f]/.test(expanded) ? expanded : undefined;
  };
  const xdg = usable(env.XDG_CACHE_HOME);
  const base = usable(env.PROXMOX_CACHE_DIR) ?? (xdg ? path.join(xdg, 'proxmox-mcp') : path.join(homedir(), '.cache', 'proxmox-mcp'));
  return path.join(base, 'compile');
}

/** The compile cache folder, made if missing, or undefined where it cannot be made or others may write it. */
function privateCacheDir(env: Env): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  try {
    const dir = compileCacheDir(env);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A folder someone else owns or may write is not used: its code would run as this process.
    const st = statSync(dir);
    return ownedByUs(st) && (st.mode & 0o022) === 0 ? dir : undefined;
  } catch {
    // Only slower: an unwritable home or cache folder must never stop the server.
    return undefined;
  }
}

const ownedByUs = (st: { uid: number }) => !process.getuid || st.uid === process.getuid();

/**
 * Both caches, in the one private folder: Node's module compile cache (Node 22.1+) for the modules a
 * command loads after the start (a call's engine, another command), and the start's own code cache, on
 * every Node (`loadStartWithCodeCache`). NODE_DISABLE_COMPILE_CACHE=1 turns both off, as for any Node program.
 */
export function startWithCompileCaches(entryUrl: string, env: Env = process.env): void {
  const dir = privateCacheDir(env);
  if (!dir) return;
  (nodeModule as { enableCompileCache?: EnableCompileCache }).enableCompileCache?.(dir);
  loadStartWithCodeCache(entryUrl, dir);
}

/** Set by the build to a digest of the start chunk it wrote (scripts/build.mjs); undefined when run from source. */
declare const __START_CHUNK_DIGEST__: string | undefined;

/** Where the build puts the modules of a stdio start, beside the entry (scripts/build.mjs). */
const START_CHUNK = './chunks/start.js';
const CACHE_FILE = 'start.v8';
/** A cache file larger than this is not ours: it is ignored and replaced. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;
/** CommonJS's module wrapper on a line of its own, so that the chunk's lines and columns stay as built. */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
/**
 * By then a server's start is over (its client has the tool list), so the code cached then is what a
 * start runs. A cache written at the exit of a shorter run (--help, a `call`) holds less, and the next
 * run that lasts this long replaces it.
 */
const SETTLED_MS = 1000;

/**
 * Loads the start chunk with V8's code cache of an earlier start, as Node's own compile cache would, but
 * on Node 20 too and with the code compiled while that start ran, not only its top level: a start then
 * compiles almost nothing (`npm run bench -- --startup`). The cache file holds the build's digest of the
 * chunk, the chunk's size and time and the Node version, since V8 itself checks only the source's length.
 *
 * The module goes into require's cache under its own path, so the entry's import of it finds it loaded.
 * Without a built chunk beside the entry (run from source), nothing happens and the import loads the chunk
 * as usual. A script has no loader for `import()`: the build refuses a start
 * chunk that has one.
 */
function loadStartWithCodeCache(entryUrl: string, dir: string): void {
  const digest = typeof __START_CHUNK_DIGEST__ === 'undefined' ? undefined : __START_CHUNK_DIGEST__;
  if (!digest) return;
  const requireFromEntry = createRequire(entryUrl);
  let file: string;
  try {
    file = requireFromEntry.resolve(START_CHUNK);
  } catch {
    return;
  }
  if (requireFromEntry.cache[file]) return;

  const source = readFileSync(file, 'utf8');
  const chunk = statSync(file);
  const cache = new StartCache(path.join(dir, CACHE_FILE), `${digest} ${process.version} ${process.arch} ${chunk.size} ${chunk.mtimeMs}`);
  const cached = cache.read();
  const script = new vm.Script(WRAPPER_HEAD + source + '\n})', {
    filename: file,
    lineOffset: -1,
    cachedData: cached?.code,
  });
  const usable = cached && !script.cachedDataRejected;
  if (!usable || !cached.settled) setTimeout(() => cache.write(script, true), SETTLED_MS).unref();
  if (!usable) process.once('exit', () => cache.write(script, false));

  const mod = new nodeModule(file);
  mod.filename = file;
  const require = createRequire(file);
  require.cache[file] = mod;
  try {
    (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, require, mod, file, path.dirname(file));
  } catch (err) {
    // As require does: a module that failed to load is not kept, and the failure is the caller's.
    delete require.cache[file];
    throw err;
  }
  mod.loaded = true;
}

/** One file: a line naming the chunk and Node it was made for and whether a whole start made it, then V8's code. */
class StartCache {
  private written = false;
  constructor(
    private readonly file: string,
    private readonly key: string,
  ) {}

  private header(settled: boolean): Buffer {
    return Buffer.from(`proxmox-mcp start code ${this.key} ${settled ? 'settled' : 'early'}\n`, 'latin1');
  }

  /** The cached code, if the file is ours, plain, of a sane size and made for this chunk and Node. */
  read(): { code: Buffer; settled: boolean } | undefined {
    try {
      const st = lstatSync(this.file);
      if (!st.isFile() || !ownedByUs(st) || st.size > MAX_CACHE_BYTES) return undefined;
      const data = readFileSync(this.file);
      for (const settled of [true, false]) {
        const header = this.header(settled);
        if (data.length > header.length && data.subarray(0, header.length).equals(header))
          return { code: data.subarray(header.length), settled };
      }
    } catch {
      // No cache, or none we may read: the start compiles.
    }
    return undefined;
  }

  /** The code compiled so far, once per process; whole or not at all, so that a start never reads half a file. */
  write(script: vm.Script, settled: boolean): void {
    if (this.written) return;
    this.written = true;
    const partial = `${this.file}.${process.pid}`;
    try {
      writeFileSync(partial, Buffer.concat([this.header(settled), script.createCachedData()]), { mode: 0o600 });
      renameSync(partial, this.file);
    } catch {
      try {
        rmSync(partial, { force: true });
      } catch {
        // Nothing more to do: the next start compiles and tries again.
      }
    }
  }
}
