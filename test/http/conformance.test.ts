import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoMissing, root, startCliHttp, type CliServer } from './cli-server.js';

const run = promisify(execFile);

/**
 * The suite needs Node 22+. Under an older Node, a Node 22 comes from npx's cache: a `node`
 * devDependency would put node_modules/.bin/node first on every npm script's PATH and so run the
 * whole test suite on 22, hiding Node 20 breakage.
 */
function findNode22(): string | undefined {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  const r = spawnSync('npx', ['--yes', '-p', 'node@22', '--', 'node', '-p', 'process.execPath'], { encoding: 'utf8', timeout: 180_000 });
  const found = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
  return found && existsSync(found) ? found : undefined;
}

const suite = path.join(root, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const node22 = demoMissing || !existsSync(suite) ? undefined : findNode22();
const missing =
  demoMissing ??
  (!existsSync(suite) ? `${suite} is missing (npm install)` : !node22 ? 'no Node 22 found (npx -p node@22 failed: offline?)' : undefined);

/**
 * The server scenarios that apply to a tools-only server. Left out, because they test surface this
 * server does not offer: resources-*, prompts-*, completion-complete, logging-set-level (no such
 * capabilities); tools-call-* , json-schema-2020-12, elicitation-* and server-sse-polling (they call
 * the suite's own reference tools, e.g. test_simple_text, which only its example server has);
 * server-sse-multiple-streams (needs sessions; this server is stateless and the scenario runs no check).
 */
const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'];

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
}

if (missing) console.warn(`skipping MCP conformance: ${missing}`);

describe.skipIf(!!missing)('MCP conformance suite against proxmox-mcp --http --demo', () => {
  let server: CliServer;
  let out: string;
  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), 'pmcp-conformance-'));
    server = await startCliHttp(['--demo']);
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  for (const scenario of SCENARIOS) {
    it(`passes ${scenario}`, { timeout: 60_000 }, async () => {
      const dir = path.join(out, scenario);
      await run(node22!, [suite, 'server', '--url', server.url, '--scenario', scenario, '-o', dir], { timeout: 50_000, cwd: out }).catch(
        (err: { stdout?: string }) => {
          // A failing scenario exits non-zero; the checks file below says which check failed.
          if (!existsSync(dir)) throw new Error(`conformance run failed without results: ${err.stdout ?? err}`);
        },
      );
      const [runDir] = readdirSync(dir);
      const checks = JSON.parse(readFileSync(path.join(dir, runDir, 'checks.json'), 'utf8')) as Check[];
      const failed = checks.filter((c) => c.status === 'FAILURE').map((c) => `${c.id}: ${c.errorMessage ?? ''}`);
      expect(failed).toEqual([]);
      expect(checks.some((c) => c.status === 'SUCCESS')).toBe(true);
    });
  }
});
