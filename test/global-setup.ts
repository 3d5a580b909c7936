import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sharedDir } from './reference-data.js';

/**
 * Runs once per test run. Every temporary file of the run (tests, servers they spawn, the demo's
 * caches) goes into one private folder that is removed at the end, so a run leaves nothing in $TMPDIR.
 * Workers and spawned processes inherit TMPDIR, and os.tmpdir() reads it on every call.
 */
export default function setup(): () => void {
  const runDir = mkdtempSync(path.join(tmpdir(), 'proxmox-mcp-test-'));
  process.env.TMPDIR = runDir;
  process.env.PROXMOX_MCP_TEST_TMPDIR = runDir;
  if (!existsSync(sharedDir)) {
    process.stdout.write(
      `reference data ${sharedDir} is missing: the tests that need it are skipped (README: "Tests and reference data")\n`,
    );
  }
  return () => rmSync(runDir, { recursive: true, force: true });
}
