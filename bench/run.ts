/**
 * `npm run bench`: the figures README quotes. Times are ratios to a baseline measured in the same run,
 * because this machine is noisy and absolute times do not compare across runs.
 *
 *   npm run bench                 everything (the HTTP soak takes about a minute)
 *   npm run bench -- --quick      shorter loops, no soak
 *   npm run bench -- --startup    start-up figures only
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StdioDriver } from './stdio-driver.js';
import { countToolsListTokens } from './tools-list.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/cli.js');
const schema92 = path.resolve(root, '../shared/pve-apidoc/pve-9.2-apidoc.json');
const quick = process.argv.includes('--quick');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (n: number, d = 2) => n.toFixed(d);

/** An environment that needs no network for tools/list and search. */
function offlineEnv(cacheDir?: string): Record<string, string | undefined> {
  return {
    ...process.env,
    ...(cacheDir ? { PROXMOX_CACHE_DIR: cacheDir } : {}),
    PROXMOX_URL: 'https://127.0.0.1:9',
    PROXMOX_API_TOKEN: 'bench@pve!b=00000000-0000-0000-0000-000000000000',
    PROXMOX_SCHEMA_FILE: schema92,
    PROXMOX_LOG_LEVEL: 'silent',
  };
}

async function bareNodeSpawnMs(): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve) => spawn(process.execPath, ['-e', '0']).on('exit', () => resolve()));
  return performance.now() - t0;
}

async function spawnToToolsListMs(
  server = cli,
  env: Record<string, string | undefined> = offlineEnv(),
): Promise<{ ms: number; tools: Array<{ name: string }> }> {
  const d = new StdioDriver([server], env);
  await d.initialize();
  const res = await d.request<{ tools: Array<{ name: string }> }>('tools/list');
  const ms = performance.now() - d.spawnedAt;
  await d.close();
  return { ms, tools: res.tools };
}

async function spawnToFirstSearchMs(cacheDir: string): Promise<{ ms: number; peakRssMb?: number }> {
  const d = new StdioDriver([cli], offlineEnv(cacheDir));
  await d.initialize();
  await d.callTool('proxmox-api-schema', { query: 'start a virtual machine' });
  const ms = performance.now() - d.spawnedAt;
  const peakRssMb = d.peakRssMb();
  await d.close();
  return { ms, peakRssMb };
}

/**
 * The floor for any server on this SDK: one tool, bundled by the same bundler with the same options as
 * ours (CommonJS, into one file: all of it is start), built here so the figure comes from the same
 * machine, Node and SDK as ours. It has no code cache: keeping one is part of our start.
 */
async function buildMinimalSdkServer(): Promise<string> {
  const { rolldown } = await import('rolldown');
  const dir = mkdtempSync(path.join(tmpdir(), 'pmcp-minimal-'));
  const entry = path.join(root, 'bench', '.minimal-server.tmp.ts');
  writeFileSync(
    entry,
    `import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';
const s = new McpServer({ name: 'minimal', version: '1' });
s.registerTool('echo', { description: 'Echo', inputSchema: z.object({ x: z.string() }) }, async ({ x }) => ({ content: [{ type: 'text', text: x }] }));
void s.connect(new StdioServerTransport());
`,
  );
  try {
    const bundle = await rolldown({ input: { minimal: entry }, platform: 'node', transform: { target: 'node20' }, logLevel: 'warn' });
    await bundle.write({ dir, format: 'cjs', strict: true, minify: true, entryFileNames: '[name].cjs', codeSplitting: false });
    await bundle.close();
    return path.join(dir, 'minimal.cjs');
  } finally {
    rmSync(entry, { force: true });
  }
}

async function startupFigures() {
  // Many rounds: on a shared machine single starts vary by a third, and the floor comparison needs ±2%.
  const rounds = quick ? 7 : 31;
  const minimal = await buildMinimalSdkServer();
  const minimalMs: number[] = [];
  const bare: number[] = [];
  const list: number[] = [];
  const listUncached: number[] = [];
  const minimalForUncached: number[] = [];
  const search: number[] = [];
  const searchCold: number[] = [];
  // Warm: the prepared search index is in the cache, as on every start after the first.
  const warmCache = mkdtempSync(path.join(tmpdir(), 'pmcp-bench-cache-'));
  await spawnToFirstSearchMs(warmCache);
  await new Promise((r) => setTimeout(r, 500));
  // The tool-list starts keep their code cache here, made by the first of them as on any machine.
  const listEnv = offlineEnv(mkdtempSync(path.join(tmpdir(), 'pmcp-bench-list-')));
  await spawnToToolsListMs(cli, listEnv);
  const uncachedEnv = { ...offlineEnv(), NODE_DISABLE_COMPILE_CACHE: '1' };
  let tools: Array<{ name: string }> = [];
  let peak: number | undefined;
  // Interleaved so that machine noise hits every series alike.
  for (let i = 0; i < rounds; i++) {
    bare.push(await bareNodeSpawnMs());
    minimalMs.push((await spawnToToolsListMs(minimal)).ms);
    const l = await spawnToToolsListMs(cli, listEnv);
    list.push(l.ms);
    tools = l.tools;
    listUncached.push((await spawnToToolsListMs(cli, uncachedEnv)).ms);
    // A floor start of its own, right after, so that this series is paired as the cached one is.
    minimalForUncached.push((await spawnToToolsListMs(minimal)).ms);
    const s = await spawnToFirstSearchMs(warmCache);
    search.push(s.ms);
    searchCold.push((await spawnToFirstSearchMs(mkdtempSync(path.join(tmpdir(), 'pmcp-bench-cold-')))).ms);
    peak = Math.max(peak ?? 0, s.peakRssMb ?? 0);
  }
  const toolsListTokens = countToolsListTokens(tools).total;
  // Each round's ratio (the two starts ran back to back), then the median and middle half of those.
  const overFloor = list.map((ms, i) => ms / minimalMs[i]);
  const uncachedOverFloor = listUncached.map((ms, i) => ms / minimalForUncached[i]);
  return {
    toolsListTokens,
    rounds,
    bareSpawnMs: median(bare),
    toolsListRatio: median(list) / median(bare),
    minimalSdkRatio: median(minimalMs) / median(bare),
    overSdkFloor: median(overFloor),
    overSdkFloorSpread: [pct(overFloor, 25), pct(overFloor, 75)],
    uncachedOverSdkFloor: median(uncachedOverFloor),
    uncachedOverSdkFloorSpread: [pct(uncachedOverFloor, 25), pct(uncachedOverFloor, 75)],
    firstSearchRatio: median(search) / median(bare),
    firstSearchColdRatio: median(searchCold) / median(bare),
    peakRssMb: peak,
  };
}

async function callFigures() {
  const { startSimulator } = await import('../src/simulator/index.js');
  const sim = await startSimulator({ quiet: true });
  const env = {
    ...process.env,
    PROXMOX_URL: sim.url,
    PROXMOX_API_TOKEN: sim.tokens.admin,
    PROXMOX_FINGERPRINT: sim.fingerprint,
    PROXMOX_SCHEMA_FILE: schema92,
    PROXMOX_LOG_LEVEL: 'silent',
  };
  const { HttpProxmoxClient } = await import('../src/proxmox/client.js');
  const { parseApiToken } = await import('../src/config/values.js');
  const direct = new HttpProxmoxClient({
    url: sim.url,
    credentials: parseApiToken(sim.tokens.admin),
    tls: { fingerprint: sim.fingerprint },
  });
  const d = new StdioDriver([cli], env);
  await d.initialize();
  const call = () => d.callTool('proxmox-api-read', { path: '/nodes/pve1/qemu/100/status/current' });
  await call(); // schema load, TLS session

  const n = quick ? 200 : 1000;
  const directMs: number[] = [];
  const mcpMs: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    await direct.request({ method: 'GET', path: '/nodes/pve1/qemu/100/status/current' });
    directMs.push(performance.now() - t);
    t = performance.now();
    const r = await call();
    if (r.isError) throw new Error(r.content[0].text);
    mcpMs.push(performance.now() - t);
  }
  const concurrent = quick ? 50 : 200;
  const concMs: number[] = [];
  await Promise.all(
    Array.from({ length: concurrent }, async () => {
      const t = performance.now();
      await call();
      concMs.push(performance.now() - t);
    }),
  );
  await d.close();
  direct.close();
  await sim.close();
  return {
    sequential: n,
    directP50: pct(directMs, 50),
    mcpP50: pct(mcpMs, 50),
    mcpP99: pct(mcpMs, 99),
    overheadRatio: median(mcpMs) / median(directMs),
    concurrent,
    concP50: pct(concMs, 50),
    concP99: pct(concMs, 99),
  };
}

async function main() {
  if (!existsSync(cli)) throw new Error('dist/cli.js missing: run npm run build first');
  if (!existsSync(schema92)) throw new Error(`reference schema missing: ${schema92}`);

  const s = await startupFigures();
  console.log('## Start-up and size');
  console.log(`tools/list tokens (o200k):            ${s.toolsListTokens}   (target <= 700)`);
  console.log(`bare node spawn (median):             ${fmt(s.bareSpawnMs, 1)} ms`);
  console.log(`spawn -> tools/list answered:         ${fmt(s.toolsListRatio)}x bare node   (target <= 1.8x)`);
  console.log(`  (a minimal bundled one-tool SDK server: ${fmt(s.minimalSdkRatio)}x)`);
  console.log(
    `spawn -> tools/list over that SDK floor: ${fmt(s.overSdkFloor)}x   (target <= 1.1x; Node ${process.versions.node}, median of ${s.rounds} paired rounds, middle half ${fmt(s.overSdkFloorSpread[0])}-${fmt(s.overSdkFloorSpread[1])}x)`,
  );
  console.log(
    `  (without the code cache, as the very first start: ${fmt(s.uncachedOverSdkFloor)}x, middle half ${fmt(s.uncachedOverSdkFloorSpread[0])}-${fmt(s.uncachedOverSdkFloorSpread[1])}x)`,
  );
  console.log(`spawn -> first search answer (9.2):   ${fmt(s.firstSearchRatio)}x bare node   (target <= 2.6x)`);
  console.log(`  (very first start, index not yet cached: ${fmt(s.firstSearchColdRatio)}x)`);
  console.log(`peak RSS after first search:          ${s.peakRssMb ? fmt(s.peakRssMb, 1) + ' MiB' : 'n/a'}`);

  if (process.argv.includes('--startup')) return;
  const { benchDiscovery } = await import('./discovery.js');
  const disc = await benchDiscovery();
  console.log('\n## Discovery (PVE 9.2; eval sets in bench/discovery-eval/, held-out half never tuned on)');
  const { figuresLine } = await import('./discovery.js');
  console.log(figuresLine('shared tasks (../shared/bench)', disc));
  console.log(figuresLine('own questions', disc.own));
  console.log(figuresLine('eval: tuning half', disc.tuning));
  console.log(figuresLine('eval: held-out half', disc.heldout));
  console.log(figuresLine('eval: indirect (tuning)', disc.indirectTuning));
  console.log(figuresLine('eval: indirect (held-out)', disc.indirectHeldout));
  console.log('targets: unseen sets recall@5 >= 0.90, recall@1 >= 0.70, indirect recall@5 >= 0.60; median <= 400 tokens');
  console.log(`schema load (parse + catalog):        ${fmt(disc.schemaLoadMs, 1)} ms`);
  if (disc.misses.length) console.log(`shared misses:\n  ${disc.misses.join('\n  ')}`);

  const { benchProduct } = await import('./products.js');
  console.log('\n## Discovery per product (own request sets in bench/products/, held-out half never tuned on)');
  for (const product of ['pbs', 'pdm'] as const) {
    const r = benchProduct(product);
    for (const half of ['tuning', 'heldout'] as const) {
      const f = r[half];
      console.log(
        `${product} ${half.padEnd(7)} (${f.count}): recall@1 ${fmt(f.recallAt1)}  recall@5 ${fmt(f.recallAt5)}   (target @5 >= 0.90)`,
      );
    }
  }

  const c = await callFigures();
  console.log('\n## Calls through one stdio server (simulated cluster)');
  console.log(`direct HTTPS p50:                     ${fmt(c.directP50)} ms`);
  console.log(`MCP read call p50 / p99 (${c.sequential} seq):   ${fmt(c.mcpP50)} / ${fmt(c.mcpP99)} ms`);
  console.log(`MCP overhead over direct (median):    ${fmt(c.overheadRatio)}x`);
  console.log(`${c.concurrent} concurrent p50 / p99:            ${fmt(c.concP50)} / ${fmt(c.concP99)} ms`);

  if (!quick) {
    const { benchHttpLoad } = await import('./load-http.js');
    const load = await benchHttpLoad({ seconds: 60, clients: 50 });
    console.log('\n## Streamable HTTP soak (50 clients, 60 s, loopback)');
    console.log(`calls / throughput:                   ${load.requests} / ${fmt(load.throughput, 0)} per s`);
    console.log(`p50 / p99:                            ${fmt(load.p50, 1)} / ${fmt(load.p99, 1)} ms`);
    console.log(`errors:                               ${load.errors}   (target 0)`);
    console.log(`server RSS start / end:               ${fmt(load.rssStartMb, 0)} / ${fmt(load.rssEndMb, 0)} MiB`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
