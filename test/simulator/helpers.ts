import https from 'node:https';
import type { SimulatorHandle } from '../../src/simulator/index.js';
import { HttpProxmoxClient } from '../../src/proxmox/client.js';

export interface RawAnswer {
  status: number;
  reason: string;
  contentType: string;
  text: string;
  body: any;
}

/** One HTTPS request with full control over auth headers, trusting only the simulator's certificate. */
export function rawRequest(
  sim: SimulatorHandle,
  method: string,
  path: string,
  opts: {
    query?: Record<string, string | string[]>;
    form?: Record<string, string | string[]>;
    /** A multipart/form-data body (uploads): plain fields, then one file. */
    multipart?: { fields: Record<string, string>; file: { field: string; filename: string; data: Buffer } };
    headers?: Record<string, string>;
  } = {},
): Promise<RawAnswer> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.query ?? {})) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.form ?? {})) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
  let body: string | Buffer | undefined = opts.form ? form.toString() : undefined;
  let contentType = 'application/x-www-form-urlencoded';
  if (opts.multipart) {
    const boundary = `----simtest${Date.now().toString(16)}`;
    const parts: Buffer[] = [];
    for (const [k, v] of Object.entries(opts.multipart.fields)) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    }
    const f = opts.multipart.file;
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      f.data,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    );
    body = Buffer.concat(parts);
    contentType = `multipart/form-data; boundary=${boundary}`;
  }
  const url = `${sim.url}${path}${qs.size ? `?${qs}` : ''}`;
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: sim.certPem,
        timeout: 10_000,
        headers: {
          ...(body !== undefined ? { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            contentType: String(res.headers['content-type'] ?? ''),
            text,
            body: parsed,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function tokenHeader(token: string): Record<string, string> {
  return { Authorization: `PVEAPIToken=${token}` };
}

/** The project's own client, talking to the simulator with a token. */
export function clientFor(sim: SimulatorHandle, which: 'admin' | 'readonly' = 'admin'): HttpProxmoxClient {
  const full = sim.tokens[which];
  const cut = full.lastIndexOf('=');
  return new HttpProxmoxClient({
    url: sim.url,
    credentials: { kind: 'token', tokenId: full.slice(0, cut), secret: full.slice(cut + 1) },
    tls: { fingerprint: sim.fingerprint },
    timeoutMs: 10_000,
  });
}
