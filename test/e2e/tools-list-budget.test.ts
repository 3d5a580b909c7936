import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { toolsListTokens } from '../../bench/tools-list.js';
import { createApp } from '../../src/app.js';
import { configFromEnv } from '../../src/config/env.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

describe.skipIf(!existsSync(cli))('tools/list size', () => {
  it('costs at most 1,000 o200k tokens for all five tools', async () => {
    const { total, perTool } = await toolsListTokens();
    expect(Object.keys(perTool)).toHaveLength(5);
    expect(total).toBeLessThanOrEqual(1000);
  });

  it('advertises from the build exactly what the source converts at run time', async () => {
    const { tools: built } = await toolsListTokens();
    const app = createApp(
      configFromEnv({ PROXMOX_URL: 'https://127.0.0.1:9', PROXMOX_API_TOKEN: 'a@pve!b=c', SSH_AUTH_SOCK: '/run/bench-ssh-agent.sock' }),
    );
    const server = app.createServer();
    const [a, b] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'in-memory', version: '1' });
    await Promise.all([server.connect(a), client.connect(b)]);
    try {
      const { tools: live } = await client.listTools();
      expect(JSON.parse(JSON.stringify(live))).toEqual(built);
    } finally {
      await client.close();
      await app.close();
    }
  });
});
