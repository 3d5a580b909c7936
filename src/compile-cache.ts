import { mkdirSync, statSync } from 'node:fs';
import nodeModule from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';

type Env = Record<string, string | undefined>;

// Imports nothing of ours: a module of ours imported here would be bundled into the start's chunk, which
// the entry would then load, and compile, before the cache is on.

/** `~` as config/values.ts `expandHome` reads it. */
const expandHome = (p: string) => (p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p);

/** Node 22.1 and later; absent on Node 20, where starts simply compile as before. */
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

/**
 * Turns on Node's module compile cache (Node 22.1+): later starts reuse the compiled code instead of parsing
 * the bundle again, about a tenth of a start (`npm run bench -- --startup`). Called before the command's
 * modules are imported. Best effort: a folder that cannot be made leaves starts as they were, and
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off as for any Node program.
 */
export function enableCompileCache(env: Env = process.env): void {
  const enable = (nodeModule as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  if (!enable || env.NODE_DISABLE_COMPILE_CACHE) return;
  try {
    const dir = compileCacheDir(env);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A folder someone else owns or may write is not used: its code would run as this process.
    const st = statSync(dir);
    if ((process.getuid && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) return;
    enable(dir);
  } catch {
    // Only slower: an unwritable home or cache folder must never stop the server.
  }
}
