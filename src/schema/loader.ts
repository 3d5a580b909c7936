import { mkdir, readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProxmoxClient } from '../proxmox/client.js';
import { productFacts, type Product } from '../proxmox/products.js';
import { parseApidoc } from './apidoc.js';
import { Catalog } from './catalog.js';

export interface LoadedSchema {
  catalog: Catalog;
  source: 'file' | 'cluster' | 'cache';
  version?: string;
}

/** PVE 9.2's apidoc.js is about 5 MB; far more is not a schema. Bounds the download and cached copies. */
export const MAX_SCHEMA_BYTES = 32 * 1024 * 1024;
/** Fewer operations than this (or no GET /version) is not a product's schema, whatever parsed. */
const MIN_OPERATIONS = 20;

/**
 * Checks a parsed schema before it is used or cached, so a proxy page, a truncated file or a toy that
 * happens to parse never pins itself in the cache for every later start.
 */
export function checkSchema(catalog: Catalog): void {
  if (catalog.operations.length < MIN_OPERATIONS) {
    throw new Error(`not an API schema: ${catalog.operations.length} operations (a Proxmox schema has hundreds)`);
  }
  if (!catalog.get('GET', '/version')) throw new Error('not an API schema: it has no GET /version');
}

/**
 * The schema from PROXMOX_SCHEMA_FILE, else from the cluster (cached per host and PVE version),
 * else the newest cached copy for that host.
 */
export async function loadSchema(opts: {
  schemaFile?: string;
  client?: ProxmoxClient;
  cacheDir: string;
  signal?: AbortSignal;
  /** Decides where the schema is served and how it is read; default PVE. */
  product?: Product;
}): Promise<LoadedSchema> {
  const product = opts.product ?? 'pve';
  const apidocPath = productFacts(product).apidocPath;
  if (opts.schemaFile) {
    let text: string;
    try {
      text = await readFile(opts.schemaFile, 'utf8');
    } catch (err) {
      throw new Error(
        `cannot read PROXMOX_SCHEMA_FILE ${opts.schemaFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    const catalog = Catalog.fromApidoc(parseApidoc(text), { source: opts.schemaFile, product });
    return { catalog, source: 'file', version: catalog.version };
  }
  if (!opts.client) throw new Error(noSchemaMessage('no cluster to fetch it from', product));

  // The product is part of the cache name: one address could be re-pointed from a PVE to a PBS.
  const host = product === 'pve' ? hostKey(opts.client.baseUrl) : `${product}-${hostKey(opts.client.baseUrl)}`;
  const problems: string[] = [];
  let version: string | undefined;
  try {
    const res = await opts.client.request<{ version?: string }>({ method: 'GET', path: '/version', signal: opts.signal });
    if (typeof res.data?.version === 'string' && /^[\w.+~-]{1,64}$/.test(res.data.version)) version = res.data.version;
  } catch (err) {
    problems.push(`GET /version: ${(err as Error).message}`);
  }

  if (version) {
    const cached = await readCache(path.join(opts.cacheDir, `${host}-${version}.json`), version, product);
    if (cached) return cached;
  }

  try {
    // The same PROXMOX_TIMEOUT as any call (the client's default): one setting bounds every wait.
    const text = await opts.client.fetchText(apidocPath, { signal: opts.signal, maxBytes: MAX_SCHEMA_BYTES });
    const tree = parseApidoc(text);
    const catalog = Catalog.fromApidoc(tree, { version, source: `${opts.client.baseUrl}${apidocPath}`, product });
    checkSchema(catalog);
    if (version) await writeCache(opts.cacheDir, `${host}-${version}.json`, JSON.stringify(tree)).catch(() => undefined);
    return { catalog, source: 'cluster', version };
  } catch (err) {
    problems.push(`${apidocPath}: ${(err as Error).message}`);
  }

  const newest = await newestCache(opts.cacheDir, host);
  if (newest) {
    const cached = await readCache(newest.file, newest.version, product);
    if (cached) return cached;
  }
  throw new Error(noSchemaMessage(problems.join('; '), product));
}

function noSchemaMessage(why: string, product: Product): string {
  const f = productFacts(product);
  return `no ${f.name} API schema (${why}). Set PROXMOX_SCHEMA_FILE to a saved copy of https://HOST:${f.defaultPort}${f.apidocPath} (or its JSON array).`;
}

/** `pve.example.com:8006` -> `pve.example.com_8006`: safe as a file name, one per cluster address. */
export function hostKey(baseUrl: string): string {
  return new URL(baseUrl).host.replace(/[^A-Za-z0-9.-]/g, '_');
}

async function readCache(file: string, version: string, product: Product): Promise<LoadedSchema | undefined> {
  let text: string;
  try {
    if ((await stat(file)).size > MAX_SCHEMA_BYTES) throw new Error('too large');
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as Error).message === 'too large') await unlink(file).catch(() => undefined);
    return undefined;
  }
  try {
    const catalog = Catalog.fromApidoc(parseApidoc(text), { version, source: file, product });
    checkSchema(catalog);
    return { catalog, source: 'cache', version };
  } catch {
    // A damaged or bogus cache file is as good as none, and is removed so it cannot be picked again.
    await unlink(file).catch(() => undefined);
    return undefined;
  }
}

async function newestCache(dir: string, host: string): Promise<{ file: string; version: string } | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const prefix = `${host}-`;
  const found = await Promise.all(
    names
      .filter((n) => n.startsWith(prefix) && n.endsWith('.json') && /^[\w.+~-]{1,64}$/.test(n.slice(prefix.length, -5)))
      .map(async (n) => ({ file: path.join(dir, n), version: n.slice(prefix.length, -5), mtime: (await stat(path.join(dir, n))).mtimeMs })),
  );
  return found.sort((a, b) => b.mtime - a.mtime)[0];
}

/** Write-then-rename, so a reader (or a second server process) never sees half a file. */
async function writeCache(dir: string, name: string, text: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, path.join(dir, name));
}
