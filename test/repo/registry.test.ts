import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmEnv, root, stageRepository } from './staging.js';

const json = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));
const pkg = json('package.json') as { name: string; version: string; mcpName: string; repository: { url: string } };
/** The MCP Registry's published schema (static.modelcontextprotocol.io/schemas/2025-12-11), vendored: tests run offline. */
const registrySchema = JSON.parse(readFileSync(path.join(root, 'test/repo/fixtures/server.schema.2025-12-11.json'), 'utf8'));

/** Every PROXMOX_* variable the configuration reads (the user-facing settings). */
const settings = new Set(
  [...readFileSync(path.join(root, 'src/config/env.ts'), 'utf8').matchAll(/\bPROXMOX_[A-Z0-9_]+\b/g)].map((m) => m[0]),
);

describe('MCP Registry entry (server.json)', () => {
  const server = json('server.json');
  const validate = addFormats.default(new Ajv({ strict: false, allErrors: true })).compile(registrySchema);

  it("is valid against the registry's published schema", () => {
    expect(server.$schema).toBe(registrySchema.$id);
    const ok = validate(server);
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check can fail: a bad name, a long description and a version range are refused', () => {
    expect(validate({ ...server, name: 'proxmox-mcp' })).toBe(false);
    expect(validate({ ...server, description: 'x'.repeat(101) })).toBe(false);
    expect(validate({ ...server, packages: [{ ...server.packages[0], version: 'latest' }] })).toBe(false);
  });

  it('names the npm package, its version and its GitHub namespace as package.json does', () => {
    expect(server.name).toBe(pkg.mcpName);
    expect(pkg.mcpName).toMatch(/^io\.github\.[A-Za-z0-9-]+\/proxmox-mcp$/);
    const owner = pkg.mcpName.slice('io.github.'.length).split('/')[0];
    expect(pkg.repository.url).toContain(`github.com/${owner}/`);
    expect(server.repository.url).toBe(`https://github.com/${owner}/proxmox-mcp`);
    expect(server.version).toBe(pkg.version);
    expect(server.packages).toHaveLength(1);
    expect(server.packages[0]).toMatchObject({
      registryType: 'npm',
      identifier: pkg.name,
      version: pkg.version,
      transport: { type: 'stdio' },
    });
  });

  it('lists real settings, marks the secret ones, and requires what start-up requires', () => {
    const vars = server.packages[0].environmentVariables as Array<{ name: string; isSecret?: boolean; isRequired?: boolean }>;
    for (const v of vars) expect(settings, v.name).toContain(v.name);
    const secret = vars.filter((v) => v.isSecret).map((v) => v.name);
    expect(secret.sort()).toEqual(['PROXMOX_API_TOKEN', 'PROXMOX_SSH_KEY_PASSPHRASE']);
    expect(
      vars
        .filter((v) => v.isRequired)
        .map((v) => v.name)
        .sort(),
    ).toEqual(['PROXMOX_API_TOKEN', 'PROXMOX_URL']);
  });
});

describe('MCP Bundle (npm run bundle)', () => {
  const manifest = json('manifest.json');
  const mcpb = path.join(root, 'node_modules/.bin/mcpb');

  it('declares the user settings and passes them to the server as its variables', () => {
    expect(manifest.version).toBe(pkg.version);
    const uc = manifest.user_config as Record<string, { type: string; sensitive?: boolean; required?: boolean }>;
    expect(uc.proxmox_url).toMatchObject({ type: 'string', required: true });
    expect(uc.api_token).toMatchObject({ type: 'string', sensitive: true, required: true });
    expect(uc.fingerprint).toMatchObject({ type: 'string' });
    expect(uc.read_only).toMatchObject({ type: 'boolean' });
    expect(uc.confirm).toMatchObject({ type: 'string' });
    expect(manifest.server.mcp_config.env).toEqual({
      PROXMOX_URL: '${user_config.proxmox_url}',
      PROXMOX_API_TOKEN: '${user_config.api_token}',
      PROXMOX_FINGERPRINT: '${user_config.fingerprint}',
      PROXMOX_READONLY: '${user_config.read_only}',
      PROXMOX_CONFIRM: '${user_config.confirm}',
    });
    for (const name of Object.keys(manifest.server.mcp_config.env)) expect(settings).toContain(name);
  });

  it('is accepted by the official mcpb validator, which refuses a broken one', () => {
    const ok = spawnSync(process.execPath, [mcpb, 'validate', path.join(root, 'manifest.json')], { encoding: 'utf8' });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
  });

  describe('the built bundle', () => {
    let stage: string;
    let unpacked: string;
    beforeAll(() => {
      stage = stageRepository('pmcp-bundle-');
      const built = spawnSync('npm', ['run', 'bundle', '--silent', '--', path.join(stage, 'out.mcpb')], {
        cwd: stage,
        env: npmEnv(),
        encoding: 'utf8',
        timeout: 180_000,
      });
      if (built.status !== 0) throw new Error(`npm run bundle failed: ${built.stdout}${built.stderr}`);
      unpacked = path.join(stage, 'unpacked');
      const un = spawnSync(process.execPath, [mcpb, 'unpack', path.join(stage, 'out.mcpb'), unpacked], { encoding: 'utf8' });
      if (un.status !== 0) throw new Error(`mcpb unpack failed: ${un.stdout}${un.stderr}`);
    }, 240_000);
    afterAll(() => {
      if (stage) rmSync(stage, { recursive: true, force: true });
    });

    it('holds the manifest, the server without source maps, and its one runtime dependency', () => {
      const info = spawnSync(process.execPath, [mcpb, 'info', path.join(stage, 'out.mcpb')], { encoding: 'utf8' });
      expect(info.status, info.stdout + info.stderr).toBe(0);
      expect(existsSync(path.join(unpacked, 'manifest.json'))).toBe(true);
      expect(existsSync(path.join(unpacked, manifest.server.entry_point))).toBe(true);
      expect(existsSync(path.join(unpacked, 'server/node_modules/ssh2/package.json'))).toBe(true);
      expect(existsSync(path.join(unpacked, 'server/cli.js.map'))).toBe(false);
      const bad = { ...manifest, server: { ...manifest.server, type: 'rust' } };
      const badFile = path.join(stage, 'bad-manifest.json');
      writeFileSync(badFile, JSON.stringify(bad));
      expect(spawnSync(process.execPath, [mcpb, 'validate', badFile], { encoding: 'utf8' }).status).not.toBe(0);
    });

    it('starts the way Claude Desktop starts it, and lists its tools', async () => {
      const cfg = manifest.server.mcp_config as { command: string; args: string[] };
      const args = cfg.args.map((a) => a.replace('${__dirname}', unpacked));
      const client = new Client({ name: 'bundle-test', version: '1.0.0' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [...args, '--demo'],
          env: { ...npmEnv(), PROXMOX_LOG_LEVEL: 'warn' },
          stderr: 'pipe',
        }),
      );
      try {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['proxmox-api', 'proxmox-api-read', 'proxmox-api-schema']));
      } finally {
        await client.close();
      }
    }, 60_000);
  });
});
