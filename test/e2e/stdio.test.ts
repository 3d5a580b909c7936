import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apidocFile, needsNote } from '../reference-data.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/cli.js');
const schema92 = apidocFile('9.2');
const TOOL_NAMES = [
  'proxmox-api',
  'proxmox-api-read',
  'proxmox-api-schema',
  'proxmox-execute-container-command',
  'proxmox-execute-vm-command',
];

type AnyClient = {
  listTools(): Promise<{ tools: Array<{ name: string; inputSchema: Record<string, unknown>; annotations?: Record<string, unknown> }> }>;
  callTool(p: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
};

const text = (r: unknown) => ((r as { content: Array<{ text: string }> }).content ?? []).map((c) => c.text).join('\n');
const isError = (r: unknown) => (r as { isError?: boolean }).isError === true;

function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PROXMOX_') && k !== 'SSH_AUTH_SOCK') env[k] = v;
  return { ...env, PROXMOX_LOG_LEVEL: 'warn', PROXMOX_CONFIRM: 'param', ...extra };
}

async function connect(kind: 'v1' | 'v2', args: string[], env = serverEnv()): Promise<AnyClient> {
  if (kind === 'v2') {
    const c = new ClientV2({ name: 'e2e-v2', version: '1' });
    await c.connect(new StdioV2({ command: process.execPath, args: [cli, ...args], env, stderr: 'pipe' }));
    return c as unknown as AnyClient;
  }
  const c = new ClientV1({ name: 'e2e-v1', version: '1' });
  await c.connect(new StdioV1({ command: process.execPath, args: [cli, ...args], env, stderr: 'pipe' }));
  return c as unknown as AnyClient;
}

describe.skipIf(!existsSync(cli))('stdio server end to end (dist/cli.js --demo)', () => {
  for (const kind of ['v2', 'v1'] as const) {
    describe(`with the ${kind} SDK client`, () => {
      let client: AnyClient;
      beforeAll(async () => {
        client = await connect(kind, ['--demo']);
      });
      afterAll(async () => {
        await client?.close();
      });

      it('lists the tools it can serve (no SSH in demo: no container tool) with annotations and compact schemas', async () => {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES.filter((n) => n !== 'proxmox-execute-container-command').sort());
        for (const t of tools) {
          expect(t.annotations).toMatchObject({ title: expect.any(String) });
          // Hints equal to MCP's defaults are left out; every one that is sent is a boolean.
          for (const hint of ['readOnlyHint', 'destructiveHint', 'openWorldHint'])
            expect(['boolean', 'undefined']).toContain(typeof t.annotations?.[hint]);
          expect(t.inputSchema).not.toHaveProperty('$schema');
        }
        expect(tools.find((t) => t.name === 'proxmox-api-read')?.annotations?.readOnlyHint).toBe(true);
        // Absent means MCP's default: not read-only, destructive, open world.
        expect(tools.find((t) => t.name === 'proxmox-api')?.annotations).toEqual({ title: 'Proxmox API' });
        expect(tools.find((t) => t.name === 'proxmox-api-schema')?.annotations).toEqual({
          title: 'Proxmox API schema',
          readOnlyHint: true,
          openWorldHint: false,
        });
      });

      it('discovers an operation by plain words', async () => {
        const r = await client.callTool({ name: 'proxmox-api-schema', arguments: { query: 'start a virtual machine' } });
        expect(isError(r)).toBe(false);
        expect(text(r).split('\n')[0]).toMatch(/^POST \/nodes\/\{node\}\/qemu\/\{vmid\}\/status\/start/);
      });

      it('reads through proxmox-api-read and the schema loaded from the simulated node', async () => {
        const r = await client.callTool({ name: 'proxmox-api-read', arguments: { path: '/version' } });
        expect(isError(r)).toBe(false);
        expect(text(r)).toMatch(/"version"/);
      });

      it('catches a misspelt parameter before calling Proxmox', async () => {
        const r = await client.callTool({
          name: 'proxmox-api',
          arguments: { path: '/nodes/pve1/qemu/100/config', method: 'PUT', params: { memroy: 2048 } },
        });
        expect(isError(r)).toBe(true);
        expect(text(r)).toMatch(/unknown parameter 'memroy'.*did you mean 'memory'/);
      });

      it('refuses GET-less writes through the read tool', async () => {
        const r = await client.callTool({ name: 'proxmox-api-read', arguments: { path: '/nodes/pve1/qemu/100/status/start' } });
        expect(isError(r)).toBe(true);
        expect(text(r)).toMatch(/has no GET/);
      });

      it('keeps a hostile node name inside its path segment', async () => {
        const r = await client.callTool({
          name: 'proxmox-api-read',
          arguments: { path: '/nodes/{node}/qemu', pathParams: { node: 'pve1/../../access' } },
        });
        expect(text(r)).not.toMatch(/userid|root@pam/);
      });

      it('remembers the digest of a config read for the session, and an edit shows what it replaced with its undo call', async () => {
        const read = await client.callTool({
          name: 'proxmox-api-read',
          arguments: { path: '/nodes/pve1/qemu/100/config', fields: ['name'] },
        });
        expect(text(read)).toMatch(/^digest [0-9a-f]+: an edit of this config through proxmox-api carries it/m);
        const edit = await client.callTool({
          name: 'proxmox-api',
          arguments: { path: '/nodes/pve1/qemu/100/config', method: 'PUT', params: { description: 'e2e' } },
        });
        expect(isError(edit)).toBe(false);
        expect(text(edit)).toMatch(/^ {2}description: .* → e2e$/m);
        expect(text(edit)).toMatch(/^undo: proxmox-api method=PUT path=\/nodes\/pve1\/qemu\/100\/config params=\{/m);
      });

      it("runs a command inside a VM through the guest agent once the preview's token comes back", async () => {
        const args = { node: 'pve1', vmid: 100, command: 'hostname' };
        const trueOnly = await client.callTool({ name: 'proxmox-execute-vm-command', arguments: { ...args, confirm: true } });
        expect(isError(trueOnly)).toBe(true);
        expect(text(trueOnly)).toMatch(/NOT RUN: confirm: true is not enough/);
        const token = /^confirm: "([^"]+)"$/.exec(text(trueOnly).split('\n').at(-1)!)?.[1];
        expect(token).toBeTruthy();
        expect((trueOnly as { structuredContent?: { confirm?: string } }).structuredContent?.confirm).toBe(token);
        const r = await client.callTool({ name: 'proxmox-execute-vm-command', arguments: { ...args, confirm: token } });
        expect(isError(r)).toBe(false);
        expect(text(r)).toMatch(/exit(Code| code)?:? ?0/i);
      });
    });
  }

  it('offers only the read tools in read-only mode', async () => {
    const client = await connect('v2', ['--demo'], serverEnv({ PROXMOX_READONLY: 'true' }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['proxmox-api-read', 'proxmox-api-schema']);
    } finally {
      await client.close();
    }
  });

  // Generous bounds: under a full parallel test run on 2 cores the warm-up can take well over 10 s.
  it.skipIf(!existsSync(schema92))(
    `prepares schema and search index while the client is idle (${needsNote(schema92)})`,
    { timeout: 90_000 },
    async () => {
      const cacheDir = mkdtempSync(path.join(tmpdir(), 'pmcp-warm-'));
      const client = await connect(
        'v2',
        [],
        serverEnv({
          PROXMOX_URL: 'https://127.0.0.1:9',
          PROXMOX_API_TOKEN: 'a@pve!b=c',
          PROXMOX_SCHEMA_FILE: schema92,
          PROXMOX_CACHE_DIR: cacheDir,
        }),
      );
      try {
        await client.listTools();
        let files: string[] = [];
        for (let i = 0; i < 600 && !files.some((f) => f.startsWith('search-')); i++) {
          await new Promise((r) => setTimeout(r, 100));
          files = readdirSync(cacheDir);
        }
        expect(files.some((f) => /^search-[0-9a-f]+\.json$/.test(f))).toBe(true);
      } finally {
        await client.close();
      }
    },
  );

  /** tools/list over a raw stdio exchange, and what the server logged at start-up. */
  function listRaw(env: Record<string, string>): { names: string[]; stderr: string } {
    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const res = spawnSync(process.execPath, [cli], {
      input: `${init}\n${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n${list}\n`,
      env: serverEnv({ PROXMOX_URL: 'https://127.0.0.1:9', PROXMOX_API_TOKEN: 'a@pve!b=c', PROXMOX_LOG_LEVEL: 'info', ...env }),
      timeout: 60_000,
    });
    const answer = res.stdout
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((m) => m.id === 2);
    return { names: (answer?.result?.tools ?? []).map((t: { name: string }) => t.name), stderr: res.stderr.toString() };
  }

  it('offers the container tool only when SSH can work, and says once at start-up why it is missing', () => {
    const none = listRaw({});
    expect(none.names).toEqual(['proxmox-api-schema', 'proxmox-api-read', 'proxmox-api', 'proxmox-execute-vm-command']);
    const lines = none.stderr.split('\n').filter((l) => l.includes('not offered'));
    expect(lines).toEqual([
      expect.stringMatching(
        /^\[proxmox-mcp\] info: proxmox-execute-container-command not offered: SSH is not configured \(set PROXMOX_SSH_KEY_PATH/,
      ),
    ]);

    const dir = mkdtempSync(path.join(tmpdir(), 'pmcp-key-'));
    const key = path.join(dir, 'id_ed25519');
    writeFileSync(key, 'not checked here, only readable\n', { mode: 0o600 });
    const withKey = listRaw({ PROXMOX_SSH_KEY_PATH: key });
    expect(withKey.names).toEqual([
      'proxmox-api-schema',
      'proxmox-api-read',
      'proxmox-api',
      'proxmox-execute-container-command',
      'proxmox-execute-vm-command',
    ]);
    expect(withKey.stderr).not.toMatch(/not offered/);
    expect(listRaw({ SSH_AUTH_SOCK: path.join(dir, 'agent.sock') }).names).toContain('proxmox-execute-container-command');
    const unreadable = listRaw({ PROXMOX_SSH_KEY_PATH: path.join(dir, 'missing') });
    expect(unreadable.names).not.toContain('proxmox-execute-container-command');
    expect(unreadable.stderr).toMatch(/container-command not offered: the SSH key file .* cannot be read/);
    expect(unreadable.stderr).not.toContain(dir);
  });

  it('says from the call command that a tool is not offered, and why', () => {
    const res = spawnSync(
      process.execPath,
      [cli, 'call', 'proxmox-execute-container-command', '{"node":"pve1","vmid":200,"command":"uptime"}', '--demo'],
      {
        env: serverEnv(),
        timeout: 60_000,
      },
    );
    expect(res.status).not.toBe(0);
    expect(res.stderr.toString() + res.stdout.toString()).toMatch(
      /proxmox-execute-container-command is not offered: SSH is not configured/,
    );
  });

  it('writes nothing but protocol messages to stdout', () => {
    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const res = spawnSync(process.execPath, [cli, '--demo'], {
      input: `${init}\n${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n${list}\n`,
      env: serverEnv({ PROXMOX_LOG_LEVEL: 'debug' }),
      timeout: 60_000,
    });
    const lines = res.stdout.toString().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('jsonrpc', '2.0');
  });

  it('stops at start-up with one line naming a malformed variable, and no secret', () => {
    const secret = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    const res = spawnSync(process.execPath, [cli], {
      env: serverEnv({ PROXMOX_URL: 'https://pve:8006', PROXMOX_API_TOKEN: `root@pam:${secret}` }),
      input: '',
      timeout: 10_000,
    });
    expect(res.status).toBe(2);
    const err = res.stderr.toString().trim();
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toMatch(/PROXMOX_API_TOKEN/);
    expect(err).not.toContain(secret);
    expect(res.stdout.toString()).toBe('');
  });
});
