import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'pmcp-newcomer-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The CLI with none of the caller's PROXMOX_* settings. */
function run(args: string[], extra: Record<string, string> = {}, input = '') {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PROXMOX_') && !k.startsWith('MCP_')) env[k] = v;
  const res = spawnSync(process.execPath, [cli, ...args], { env: { ...env, PROXMOX_LOG_LEVEL: 'warn', ...extra }, timeout: 30_000, input, encoding: 'utf8' });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe.skipIf(!existsSync(cli))('what a newcomer meets on the command line', () => {
  it('--demo leaves no files behind, in no shared folder', () => {
    const tmp = mkdtempSync(path.join(scratch, 'tmp-'));
    const once = run(['call', 'proxmox-api-schema', '{"query":"start a vm"}', '--demo'], { TMPDIR: tmp });
    expect(once.status, once.stderr).toBe(0);
    const served = run(['--demo'], { TMPDIR: tmp }, '');
    expect(served.status, served.stderr).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
