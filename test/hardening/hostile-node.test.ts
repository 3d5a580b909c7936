import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../src/proxmox/secret-forms.js';
import { json, startHostileNode, stream } from './hostile-node.js';
import { haveCli, startServer, textOf, type McpSession } from './mcp.js';

/** A readable file that holds no API schema: the server starts, and every call goes unvalidated. */
function notASchemaFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pmcp-noschema-')), 'apidoc.js');
  writeFileSync(file, 'const apiSchema = "not a schema";\n');
  return file;
}

const SECRET = 'Sup3r-Secret+Value/With=Signs~42';
const TOKEN = `root@pam!mcp=${SECRET}`;

/** Every way the secret could be spelled in an answer: as is, percent/form-encoded, JSON-escaped, base64. */
function leaks(text: string): string[] {
  const basic = Buffer.from(`root@pam!mcp:${SECRET}`).toString('base64');
  const candidates = [...secretForms(SECRET), basic.slice(8, 30), 'Sup3r-Secret', 'With=Signs~42', 'With%3DSigns'];
  return candidates.filter((c) => text.includes(c));
}

describe.skipIf(!haveCli)('a hostile node: answers are bounded, checked and scrubbed (real MCP client, HTTPS fake on loopback)', () => {
  let node: Awaited<ReturnType<typeof startHostileNode>>;
  let s: McpSession;
  beforeAll(async () => {
    node = await startHostileNode({
      '/huge-streamed': (_req, res) => stream(res, 8 * 1024 * 1024),
      '/huge-declared': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(2 * 1024 ** 3) });
        res.write('{"data":"');
      },
      '/login-page': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<html><head><title>Sign in</title></head><body>Proxy login\u0007</body></html>');
      },
      '/empty': (_req, res) => res.writeHead(200).end(),
      '/no-envelope': (_req, res) => json(res, 200, { result: [1, 2, 3] }),
      '/json-null': (_req, res) => json(res, 200, null),
      '/deep': (_req, res) => {
        const text = `{"data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(text);
      },
      '/echo': (req, res, body) =>
        json(res, 200, {
          data: {
            headers: req.headers,
            form: body,
            [req.headers.authorization ?? 'none']: 'header as key',
            base64: Buffer.from(`root@pam!mcp:${SECRET}`).toString('base64'),
            encoded: encodeURIComponent(SECRET),
            form2: new URLSearchParams({ password: SECRET }).toString(),
          },
        }),
      '/error-echo': (req, res) =>
        json(res, 400, {
          data: null,
          message: `bad request from ${req.headers.authorization} ${'y'.repeat(400_000)}`,
          errors: {
            [String(req.headers.authorization)]: 'bad',
            [encodeURIComponent(SECRET)]: `value ${SECRET}`,
            ...Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`p${i}`, 'invalid'])),
          },
        }),
    });
    s = await startServer(
      {
        PROXMOX_URL: node.url,
        PROXMOX_API_TOKEN: TOKEN,
        PROXMOX_INSECURE: 'true',
        PROXMOX_SCHEMA_FILE: notASchemaFile(),
        PROXMOX_MAX_RESPONSE_BYTES: '1MiB',
        PROXMOX_MAX_OUTPUT: '2000',
      },
      [],
    );
  });
  afterAll(async () => {
    await s?.close();
    await node?.close();
  });

  const read = (path: string, params?: Record<string, unknown>) =>
    s.call('proxmox-api-read', { path, ...(params ? { params } : {}) }, 30_000);

  it('cuts off an answer above PROXMOX_MAX_RESPONSE_BYTES, streamed or declared, with an error that names the setting', async () => {
    for (const path of ['/huge-streamed', '/huge-declared']) {
      const r = await read(path);
      expect(r.isError, path).toBe(true);
      expect(textOf(r)).toMatch(/over the 1 MiB limit \(PROXMOX_MAX_RESPONSE_BYTES\)/);
    }
    expect((await read('/version')).isError).toBeFalsy();
  });

  it("reports any 200 that is not PVE's JSON envelope as an error saying what came back", async () => {
    const html = await read('/login-page');
    expect(html.isError).toBe(true);
    expect(textOf(html)).toMatch(/not Proxmox's JSON answer: text\/html, \d+ bytes starting "<html><head><title>Sign in/);
    expect(textOf(html)).not.toMatch(/\u0007/);
    for (const path of ['/empty', '/no-envelope', '/json-null']) {
      const r = await read(path);
      expect(r.isError, path).toBe(true);
      expect(textOf(r), path).toMatch(/not Proxmox's JSON answer/);
    }
  });

  it('refuses an answer nested 100k deep with a precise message, not an internal error', async () => {
    const r = await read('/deep');
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/nests deeper than 64 levels/);
    expect(textOf(r)).not.toMatch(/internal error|Maximum call stack/);
  });

  it('scrubs the token from successful answers, in keys and values, in every encoding', async () => {
    const r = await read('/echo');
    expect(r.isError).toBeFalsy();
    const all = textOf(r) + JSON.stringify(r.structuredContent ?? {});
    expect(all).toMatch(/header as key/);
    expect(leaks(all)).toEqual([]);
  });

  it('keeps error answers within the output budget and scrubs the keys of PVE errors', async () => {
    const r = await read('/error-echo');
    expect(r.isError).toBe(true);
    const text = textOf(r);
    expect(text).toMatch(/Proxmox answered 400/);
    expect(text.length).toBeLessThan(2000 * 6);
    expect(text).toMatch(/more parameter errors|more characters/);
    expect(leaks(text)).toEqual([]);
  });
});
