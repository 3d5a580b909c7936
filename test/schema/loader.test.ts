import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProxmoxClient } from '../../src/proxmox/client.js';
import { hostKey, loadSchema } from '../../src/schema/loader.js';

/** A schema must look like one (GET /version, at least 20 operations) before it is used or cached. */
const TREE = [
  { path: '/version', text: 'version', leaf: 1, info: { GET: { name: 'version', description: 'API version details.', parameters: {} } } },
  ...Array.from({ length: 24 }, (_, i) => ({
    path: `/thing${i}`,
    text: `thing${i}`,
    leaf: 1,
    info: { GET: { name: `thing${i}`, description: 'A thing.', parameters: {} } },
  })),
];
const APIDOC_JS = `const apiSchema = ${JSON.stringify(TREE)};\nExt.onReady(function() { var x = "]"; });\n`;

describe('loadSchema', () => {
  let server: https.Server;
  let url = '';
  let requests: string[] = [];
  let serveApidoc = true;
  /** What apidoc.js is served as: the good schema, a toy that parses but is no schema, or a huge declared body. */
  let apidocKind: 'good' | 'toy' | 'huge' = 'good';
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'pve-schema-'));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], { keySize: 2048 });
    server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/api2/json/version') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ data: { version: '9.2.1', release: '9.2' } }));
      } else if (req.url === '/pve-docs/api-viewer/apidoc.js' && serveApidoc && apidocKind === 'huge') {
        res.writeHead(200, { 'Content-Type': 'application/javascript', 'Content-Length': String(300 * 1024 * 1024) });
        res.write('const apiSchema = [');
      } else if (req.url === '/pve-docs/api-viewer/apidoc.js' && serveApidoc && apidocKind === 'toy') {
        res.writeHead(200, { 'Content-Type': 'application/javascript' }).end(`const apiSchema = ${JSON.stringify(TREE.slice(0, 2))};`);
      } else if (req.url === '/pve-docs/api-viewer/apidoc.js' && serveApidoc) {
        res.writeHead(200, { 'Content-Type': 'application/javascript' }).end(APIDOC_JS);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const client = (target = url) =>
    new HttpProxmoxClient({
      url: target,
      credentials: { kind: 'token', tokenId: 'a@pam!t', secret: 's' },
      tls: { insecure: true },
      timeoutMs: 2000,
      getRetries: 0,
    });

  it('reads PROXMOX_SCHEMA_FILE first (apidoc.js or JSON)', async () => {
    const dir = tmp();
    const file = path.join(dir, 'apidoc.js');
    writeFileSync(file, APIDOC_JS);
    const loaded = await loadSchema({ schemaFile: file, cacheDir: dir });
    expect(loaded.source).toBe('file');
    expect(loaded.catalog.operations).toHaveLength(25);
    await expect(loadSchema({ schemaFile: path.join(dir, 'missing.js'), cacheDir: dir })).rejects.toThrow(
      /cannot read PROXMOX_SCHEMA_FILE/,
    );
  });

  it('fetches from the cluster once, then uses the cache for that version', async () => {
    const cacheDir = path.join(tmp(), 'cache');
    const c = client();
    requests = [];
    const first = await loadSchema({ client: c, cacheDir });
    expect(first).toMatchObject({ source: 'cluster', version: '9.2.1' });
    const cacheFile = path.join(cacheDir, `${hostKey(url)}-9.2.1.json`);
    expect(JSON.parse(readFileSync(cacheFile, 'utf8'))).toEqual(TREE);
    expect(readdirSync(cacheDir)).toEqual([path.basename(cacheFile)]); // no temp files left behind
    const second = await loadSchema({ client: c, cacheDir });
    expect(second).toMatchObject({ source: 'cache', version: '9.2.1' });
    expect(requests.filter((r) => r.includes('apidoc'))).toHaveLength(1);
    c.close();
  });

  it('falls back to the newest cache when the cluster cannot be reached, and explains when nothing works', async () => {
    const cacheDir = tmp();
    const deadUrl = 'https://127.0.0.1:1';
    const dead = client(deadUrl);
    await expect(loadSchema({ client: dead, cacheDir })).rejects.toThrow(/PROXMOX_SCHEMA_FILE/);
    writeFileSync(path.join(cacheDir, `${hostKey(deadUrl)}-8.4.1.json`), JSON.stringify(TREE));
    const loaded = await loadSchema({ client: dead, cacheDir });
    expect(loaded).toMatchObject({ source: 'cache', version: '8.4.1' });
    dead.close();
  });

  it('falls back to the cache when apidoc.js is not served', async () => {
    serveApidoc = false;
    try {
      const cacheDir = tmp();
      const c = client();
      await expect(loadSchema({ client: c, cacheDir })).rejects.toThrow(/apidoc\.js.*404/);
      writeFileSync(path.join(cacheDir, `${hostKey(url)}-9.1.0.json`), JSON.stringify(TREE));
      expect(await loadSchema({ client: c, cacheDir })).toMatchObject({ source: 'cache', version: '9.1.0' });
      c.close();
    } finally {
      serveApidoc = true;
    }
  });

  it('refuses a 300 MB apidoc.js and a toy schema, caches neither, and deletes a bogus cached copy', async () => {
    const cacheDir = tmp();
    const c = client();
    try {
      apidocKind = 'huge';
      await expect(loadSchema({ client: c, cacheDir })).rejects.toThrow(/over the 32 MiB limit/);
      apidocKind = 'toy';
      await expect(loadSchema({ client: c, cacheDir })).rejects.toThrow(/not an API schema: 2 operations/);
      expect(readdirSync(cacheDir)).toEqual([]);
      // A copy that parses but is no schema (written by an older version, or by hand) never pins itself.
      const pinned = path.join(cacheDir, `${hostKey(url)}-9.2.1.json`);
      writeFileSync(pinned, JSON.stringify(TREE.slice(0, 1)));
      apidocKind = 'good';
      const loaded = await loadSchema({ client: c, cacheDir });
      expect(loaded).toMatchObject({ source: 'cluster', version: '9.2.1' });
      expect(JSON.parse(readFileSync(pinned, 'utf8'))).toEqual(TREE);
    } finally {
      apidocKind = 'good';
      c.close();
    }
  });
});
