import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpServerHandle } from '../../src/http/serve.js';
import { apidocFile, haveShared, needsNote, sharedPath } from '../reference-data.js';
import { CLIENT_KINDS, connectHttp, isError, startTestServer, textOf, type AnyClient } from './helpers.js';

const apidoc = sharedPath('pve-apidoc');
const needed = [apidocFile('7.4'), apidocFile('9.2')];

/**
 * Two clusters from one config file, each with its own schema: PVE 7.4 has HA groups, 9.2 replaced
 * them with HA rules. Neither address answers; discovery needs only the schema file.
 */
const configYaml = (dir: string) => `
default: new
confirm: param
cacheDir: ${JSON.stringify(path.join(dir, 'cache'))}
clusters:
  old:
    url: https://127.0.0.1:9
    token: "root@pam!old=00000000-0000-0000-0000-000000000001"
    schemaFile: ${JSON.stringify(path.join(apidoc, 'pve-7.4-apidoc.json'))}
    readonly: true
  new:
    url: https://127.0.0.1:9
    token: { env: NEW_TOKEN }
    schemaFile: ${JSON.stringify(path.join(apidoc, 'pve-9.2-apidoc.json'))}
`;

describe.skipIf(!haveShared(...needed))(`several clusters from a config file, over HTTP (${needsNote(apidoc)})`, () => {
  let dir: string;
  let server: HttpServerHandle;
  let close: () => Promise<void>;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pmcp-clusters-'));
    writeFileSync(path.join(dir, 'proxmox-mcp.yaml'), configYaml(dir));
    const { loadConfigFile } = await import('../../src/config/file.js');
    const { createApp } = await import('../../src/app.js');
    const config = await loadConfigFile(path.join(dir, 'proxmox-mcp.yaml'), {
      NEW_TOKEN: 'root@pam!new=00000000-0000-0000-0000-000000000002',
    });
    const app = createApp(config);
    close = () => app.close();
    server = await startTestServer(app.createServer);
  });
  afterAll(async () => {
    await server?.close();
    await close?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of CLIENT_KINDS) {
    it(`answers discovery per cluster (${kind} client)`, async () => {
      const client: AnyClient = await connectHttp(kind, server.url);
      try {
        const rules = { name: 'proxmox-api-schema', arguments: { path: '/cluster/ha/rules', method: 'GET' } };
        const onNew = await client.callTool({ ...rules, arguments: { ...rules.arguments, cluster: 'new' } });
        expect(isError(onNew)).toBe(false);
        expect(textOf(onNew)).toContain('/cluster/ha/rules');

        const onOld = await client.callTool({ ...rules, arguments: { ...rules.arguments, cluster: 'old' } });
        expect(isError(onOld)).toBe(true);
        expect(textOf(onOld)).toMatch(/Unknown API path \/cluster\/ha\/rules/);

        // No cluster argument: the file's default (new).
        expect(isError(await client.callTool(rules))).toBe(false);

        const groups = await client.callTool({
          name: 'proxmox-api-schema',
          arguments: { path: '/cluster/ha/groups', method: 'GET', cluster: 'old' },
        });
        expect(isError(groups)).toBe(false);

        const unknown = await client.callTool({ name: 'proxmox-api-schema', arguments: { path: '/version', cluster: 'nope' } });
        expect(isError(unknown)).toBe(true);
        expect(textOf(unknown)).toBe("unknown cluster 'nope'; known: old (PVE), new (PVE)");
      } finally {
        await client.close();
      }
    });
  }
});
