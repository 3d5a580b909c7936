import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, demoMissing, startCliHttp } from '../http/cli-server.js';
import { connectHttp } from '../http/helpers.js';

if (demoMissing) console.warn(`skipping tools/list over stdio vs HTTP: ${demoMissing}`);

/** Neither address answers: listing tools must not need the cluster. */
const cluster = (name: string, extra = '') => `
  ${name}:
    url: https://127.0.0.1:9
    token: "root@pam!${name}=00000000-0000-0000-0000-000000000001"${extra}`;

const CONFIGS: Record<string, string> = {
  'one cluster': `clusters:${cluster('only')}\n`,
  'two clusters': `default: b\nclusters:${cluster('a')}${cluster('b')}\n`,
  'two clusters, both read-only': `default: a\nclusters:${cluster('a', '\n    readonly: true')}${cluster('b', '\n    readonly: true')}\n`,
  // The key file is written beside the config file; a readable key is what offers the container tool.
  'one cluster with SSH': `clusters:${cluster('only', '\n    ssh:\n      keyPath: id_test')}\n`,
};

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('PROXMOX_') && !k.startsWith('MCP_') && k !== 'SSH_AUTH_SOCK') env[k] = v;
  return env;
}

type Listed = { tools: Array<Record<string, unknown>>; instructions?: string };

async function listOverStdio(configFile: string, cacheDir: string): Promise<Listed> {
  const client = new Client({ name: 'parity-stdio', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [cli, '--config', configFile],
      env: { ...cleanEnv(), PROXMOX_LOG_LEVEL: 'error', PROXMOX_CACHE_DIR: cacheDir },
      stderr: 'pipe',
    }),
  );
  try {
    return { ...((await client.listTools()) as unknown as Listed), instructions: client.getInstructions() };
  } finally {
    await client.close();
  }
}

async function listOverHttp(configFile: string, cacheDir: string): Promise<Listed> {
  const server = await startCliHttp(['--config', configFile], { PROXMOX_CACHE_DIR: cacheDir, SSH_AUTH_SOCK: undefined });
  try {
    const client = await connectHttp('v2-modern', server.url);
    try {
      return {
        ...((await client.listTools()) as unknown as Listed),
        instructions: (client as unknown as { getInstructions(): string | undefined }).getInstructions(),
      };
    } finally {
      await client.close();
    }
  } finally {
    await server.stop();
  }
}

describe.skipIf(!!demoMissing)('tools/list is the same over stdio and HTTP (dist/cli.js)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pmcp-parity-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [label, yaml] of Object.entries(CONFIGS)) {
    it(`${label}`, async () => {
      const file = path.join(dir, `${label.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, yaml);
      writeFileSync(path.join(dir, 'id_test'), 'key\n', { mode: 0o600 });
      const cacheDir = path.join(dir, 'cache');
      const [stdio, http] = await Promise.all([listOverStdio(file, cacheDir), listOverHttp(file, cacheDir)]);
      expect(http.tools).toEqual(stdio.tools);
      expect(http.instructions).toBe(stdio.instructions);
      expect(stdio.instructions).toMatch(/proxmox-api-schema/);
      const several = label.startsWith('two');
      for (const tool of stdio.tools) {
        const properties = (tool.inputSchema as { properties?: Record<string, unknown> }).properties ?? {};
        // The cluster parameter is advertised exactly when there is a choice to make.
        expect('cluster' in properties, `${String(tool.name)} advertises cluster`).toBe(several);
      }
      const names = stdio.tools.map((t) => t.name);
      if (label.includes('read-only')) expect(names).not.toContain('proxmox-api');
      else expect(names).toContain('proxmox-api');
      // SSH_AUTH_SOCK is kept out of both servers' environments, so only the ssh section offers it.
      expect(names.includes('proxmox-execute-container-command')).toBe(label.includes('SSH'));
    }, 60_000);
  }
});
