/**
 * Load and soak for `proxmox-mcp --http`: N MCP clients loop read calls for a fixed time against the
 * built server (a child process, so its memory is measured alone), backed by the simulated cluster
 * (in this process). Loopback only.
 *
 *   npx tsx bench/load-http.ts [--seconds 60] [--clients 50] [--protocol mixed|modern|legacy]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startCliHttp } from '../test/http/cli-server.js';
import { startSimulator } from '../src/simulator/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/cli.js');

export type LoadProtocol = 'mixed' | 'modern' | 'legacy';

export interface LoadOptions {
  seconds?: number;
  clients?: number;
  /** modern: 2026-07-28 (v2 client); legacy: 2025 handshake (v1 client); mixed: half each. */
  protocol?: LoadProtocol;
}

export interface LoadResult {
  requests: number;
  /** Completed tool calls per second. */
  throughput: number;
  /** Tool call latency in ms, as the client sees it. */
  p50: number;
  p99: number;
  errors: number;
  /** Server RSS after start-up and one warm-up call, at the end, and the highest seen in between. */
  rssStartMb: number;
  rssEndMb: number;
  rssPeakMb: number;
  /** Server CPU time per completed call: tells whether the server or the load generator is the limit. */
  serverCpuMsPerCall: number;
  /** Share of one core the server used during the run. */
  serverCpuCores: number;
  clients: number;
  seconds: number;
  protocol: LoadProtocol;
}

interface CallClient {
  callTool(p: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

const TOKEN = 'bench-load-token-0123456789abcdef';

function rssMb(pid: number): number {
  // Linux: VmRSS in kB. Elsewhere the figure is simply not measured.
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
  } catch {
    return NaN;
  }
}

/** utime + stime of a process, in ms (Linux; clock ticks are 100 Hz there). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;

async function connect(kind: 'modern' | 'legacy', url: string): Promise<CallClient> {
  const requestInit = { headers: { authorization: `Bearer ${TOKEN}` } };
  if (kind === 'legacy') {
    const c = new ClientV1({ name: 'load-v1', version: '1' });
    await c.connect(new HttpV1(new URL(url), { requestInit }));
    return c as unknown as CallClient;
  }
  const c = new ClientV2({ name: 'load-v2', version: '1' }, { versionNegotiation: { mode: 'auto' } });
  await c.connect(new HttpV2(new URL(url), { requestInit }));
  return c as unknown as CallClient;
}

const failed = (r: unknown) => (r as { isError?: boolean }).isError === true;

export async function benchHttpLoad(opts: LoadOptions = {}): Promise<LoadResult> {
  const seconds = opts.seconds ?? 60;
  const clientCount = opts.clients ?? 50;
  const protocol = opts.protocol ?? 'mixed';
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);

  const sim = await startSimulator({ quiet: true });
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'pmcp-load-'));
  const server = await startCliHttp([], {
    PROXMOX_URL: sim.url,
    PROXMOX_API_TOKEN: sim.tokens.admin,
    PROXMOX_FINGERPRINT: sim.fingerprint,
    PROXMOX_CACHE_DIR: cacheDir,
    PROXMOX_LOG_LEVEL: 'info',
    MCP_AUTH_TOKEN: TOKEN,
    MCP_RATE_LIMIT: '0',
  });
  const { url, child } = server;
  const pid = child.pid!;
  const clients: CallClient[] = [];
  try {
    for (let i = 0; i < clientCount; i++) {
      const kind = protocol === 'mixed' ? (i % 2 ? 'legacy' : 'modern') : protocol;
      clients.push(await connect(kind, url));
    }
    // Warm-up: loads the schema and opens the connection to the cluster, as a real first call would.
    const warm = await clients[0].callTool({ name: 'proxmox-api-read', arguments: { path: '/nodes', fields: ['node'] } });
    if (failed(warm)) throw new Error(`warm-up call failed: ${JSON.stringify(warm)}`);
    const nodes = ['pve1', 'pve2', 'pve3'];
    const rssStartMb = rssMb(pid);
    let rssPeakMb = rssStartMb;
    const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, rssMb(pid))), 1000);

    const latencies: number[] = [];
    let errors = 0;
    const firstErrors: string[] = [];
    const cpuStart = cpuMs(pid);
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      clients.map(async (client, i) => {
        for (let n = i; performance.now() < deadline; n++) {
          const args =
            n % 2
              ? { path: '/cluster/resources', params: { type: 'vm' }, fields: ['vmid', 'name', 'node', 'status'] }
              : { path: '/nodes/{node}/qemu', pathParams: { node: nodes[n % nodes.length] }, fields: ['vmid', 'name', 'status'] };
          const t0 = performance.now();
          try {
            const r = await client.callTool({ name: 'proxmox-api-read', arguments: args });
            latencies.push(performance.now() - t0);
            if (failed(r)) {
              errors++;
              if (firstErrors.length < 3) firstErrors.push(JSON.stringify(r).slice(0, 300));
            }
          } catch (err) {
            errors++;
            if (firstErrors.length < 3) firstErrors.push(String(err));
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const rssEndMb = rssMb(pid);
    const cpuUsed = cpuMs(pid) - cpuStart;
    if (firstErrors.length) console.error(`first errors:\n${firstErrors.join('\n')}`);
    latencies.sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      requests: latencies.length,
      throughput: round(latencies.length / elapsed),
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      errors,
      rssStartMb,
      rssEndMb,
      rssPeakMb: Math.max(rssPeakMb, rssEndMb),
      serverCpuMsPerCall: round(cpuUsed / Math.max(1, latencies.length)),
      serverCpuCores: round(cpuUsed / 1000 / elapsed),
      clients: clientCount,
      seconds,
      protocol,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await server.stop();
    await sim.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      clients: { type: 'string', default: '50' },
      protocol: { type: 'string', default: 'mixed' },
    },
  });
  const protocol = values.protocol as LoadProtocol;
  if (!['mixed', 'modern', 'legacy'].includes(protocol)) throw new Error('--protocol must be mixed, modern or legacy');
  benchHttpLoad({ seconds: Number(values.seconds), clients: Number(values.clients), protocol })
    .then((r) => {
      console.log(JSON.stringify(r, null, 2));
      if (r.errors > 0) process.exitCode = 1;
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
