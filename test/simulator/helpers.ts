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
  opts: { query?: Record<string, string | string[]>; form?: Record<string, string | string[]>; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.query ?? {})) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.form ?? {})) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
  const body = opts.form ? form.toString() : undefined;
  const url = `${sim.url}${path}${qs.size ? `?${qs}` : ''}`;
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: sim.certPem,
        timeout: 10_000,
        headers: {
          ...(body !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(Buffer.byteLength(body)) } : {}),
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
          resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', contentType: String(res.headers['content-type'] ?? ''), text, body: parsed });
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
