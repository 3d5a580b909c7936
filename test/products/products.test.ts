import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/cluster.js';
import { ConfigError } from '../../src/config/error.js';
import { clusterFromEnv, configFromEnv } from '../../src/config/env.js';
import { parseApiToken, parseProduct } from '../../src/config/values.js';
import { parseConfigFile } from '../../src/config/file.js';
import { productFacts, taskPaths, tokenHeader } from '../../src/proxmox/products.js';
import { parseUpid } from '../../src/proxmox/upid.js';
import { redactCommand } from '../../src/safety/redact.js';
import { apiTool } from '../../src/tools/api.js';
import { apiReadTool } from '../../src/tools/api-read.js';
import { apiSchemaTool } from '../../src/tools/api-schema.js';
import { containerCommandTool } from '../../src/tools/execute-container-command.js';
import { vmCommandTool } from '../../src/tools/execute-vm-command.js';
import { offerTools, withheldLines } from '../../src/tools/registry.js';
import { ToolError, type ToolCall } from '../../src/tools/types.js';
import { haveProductApidoc, productApidocFile, productMissingNote } from '../schema/shared.js';
import { startFakeHost, type FakeHost } from './fake-proxmox.js';

const base = { PROXMOX_API_TOKEN: 'root@pam!mcp=secret-value' };
const noCall: ToolCall = { signal: new AbortController().signal, progress: async () => {} };

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { describe?: () => string }).describe?.() ?? (err instanceof Error ? err.message : String(err));
  }
  throw new Error('expected a failure');
}

describe('product settings', () => {
  it('takes pve, pbs or pdm (any case), pve by default, and names the variable otherwise', () => {
    expect(parseProduct(undefined)).toBe('pve');
    expect(parseProduct(' PBS ')).toBe('pbs');
    expect(parseProduct('pdm')).toBe('pdm');
    for (const bad of ['pmg', 'pve; rm -rf /', '__proto__', 'x'.repeat(10_000)]) {
      expect(() => parseProduct(bad)).toThrow(ConfigError);
      expect(() => parseProduct(bad)).toThrow(/^PROXMOX_PRODUCT must be one of pve, pbs, pdm/);
    }
  });

  it('gives a bare host the product port and keeps an explicit port or a proxy path', () => {
    const url = (u: string, product?: string) =>
      clusterFromEnv({ ...base, PROXMOX_URL: u, ...(product ? { PROXMOX_PRODUCT: product } : {}) }).url;
    expect(url('https://pve.example.com')).toBe('https://pve.example.com:8006');
    expect(url('https://backup.example.com', 'pbs')).toBe('https://backup.example.com:8007');
    expect(url('https://pdm.example.com/', 'pdm')).toBe('https://pdm.example.com:8443');
    expect(url('https://backup.example.com:443', 'pbs')).toBe('https://backup.example.com');
    expect(url('https://backup.example.com:9000', 'pbs')).toBe('https://backup.example.com:9000');
    expect(url('https://proxy.example.com/pbs', 'pbs')).toBe('https://proxy.example.com/pbs');
    expect(url('https://[::1]', 'pbs')).toBe('https://[::1]:8007');
  });

  it('accepts a token with either separator and any product prefix, and sends each product its own form', () => {
    for (const raw of [
      'root@pam!mcp=abc-123',
      'root@pam!mcp:abc-123',
      'PBSAPIToken=root@pam!mcp:abc-123',
      'PVEAPIToken=root@pam!mcp=abc-123',
      'pdmapitoken=root@pam!mcp:abc-123',
    ]) {
      expect(parseApiToken(raw)).toEqual({ kind: 'token', tokenId: 'root@pam!mcp', secret: 'abc-123' });
    }
    expect(tokenHeader('pve', 'root@pam!mcp', 's')).toBe('PVEAPIToken=root@pam!mcp=s');
    expect(tokenHeader('pbs', 'root@pam!mcp', 's')).toBe('PBSAPIToken=root@pam!mcp:s');
    expect(tokenHeader('pdm', 'root@pam!mcp', 's')).toBe('PDMAPIToken=root@pam!mcp:s');
    for (const bad of ['root@pam!mcp', 'root@pam:mcp:abc', 'root@pam!mcp abc', 'root@pam!:abc'])
      expect(() => parseApiToken(bad)).toThrow(ConfigError);
  });

  it('keeps PBS and PDM token secrets out of logged commands', () => {
    expect(redactCommand("curl -H 'x: PBSAPIToken=root@pam!mcp:9f1c-secret' https://b")).not.toContain('9f1c-secret');
    expect(redactCommand('echo PDMAPIToken=root@pam!t1:9f1c-secret')).not.toContain('9f1c-secret');
  });

  it('reads product from a config file, naming the field on a mistake', () => {
    const text = `clusters:\n  lab:\n    url: https://pve.lab:8006\n    token: root@pam!a=b\n  backup:\n    product: pbs\n    url: https://pbs.lab\n    token: root@pam!a:b\n`;
    const cfg = parseConfigFile(text, 'yaml', {});
    expect(cfg.clusters.map((c) => [c.name, c.product, c.url])).toEqual([
      ['lab', 'pve', 'https://pve.lab:8006'],
      ['backup', 'pbs', 'https://pbs.lab:8007'],
    ]);
    expect(() => parseConfigFile(text.replace('product: pbs', 'product: pmg'), 'yaml', {})).toThrow(
      /clusters\.backup\.product must be one of pve, pbs, pdm/,
    );
    expect(() => parseConfigFile(text.replace('product: pbs', 'product: 7'), 'yaml', {})).toThrow(/clusters\.backup\.product/);
  });

  it('has one fact sheet per product', () => {
    expect(productFacts('pbs')).toMatchObject({
      defaultPort: 8007,
      apidocPath: '/docs/api-viewer/apidoc.js',
      ticketCookie: 'PBSAuthCookie',
      guests: false,
    });
    expect(productFacts('pdm')).toMatchObject({
      defaultPort: 8443,
      apidocPath: '/docs/api-viewer/apidoc.js',
      ticketCookie: 'PDMAuthCookie',
      guests: false,
    });
    expect(productFacts('pve')).toMatchObject({
      defaultPort: 8006,
      apidocPath: '/pve-docs/api-viewer/apidoc.js',
      ticketCookie: 'PVEAuthCookie',
      guests: true,
    });
  });
});

describe('task ids of every product', () => {
  const pve = 'UPID:pve1:00001234:0012ABCD:65F0A1B2:qmstart:100:root@pam:';
  const pbs = 'UPID:pbs1:000004D2:00ABCDEF:0000000A:65F0A1B2:verificationjob:store1\\x3av\\x2dabc:root@pam!mcp:';
  it('reads PVE and PBS/PDM layouts and a PDM remote prefix', () => {
    expect(parseUpid(pve)).toMatchObject({ node: 'pve1', type: 'qmstart', id: '100', form: 'pve' });
    expect(parseUpid(pbs)).toMatchObject({
      node: 'pbs1',
      type: 'verificationjob',
      id: 'store1:v-abc',
      user: 'root@pam!mcp',
      form: 'pbs',
      starttime: 0x65f0a1b2,
    });
    expect(parseUpid(`prod!${pve}`)).toMatchObject({ remote: 'prod', node: 'pve1', form: 'pve', upid: `prod!${pve}` });
    for (const bad of [
      'UPID:x',
      `a!b!${pve}`,
      `${pve}\n`,
      `../!${pve}`,
      'UPID:' + 'a'.repeat(5000) + ':',
      `${pve}`.replace('qmstart', 'a b'),
    ])
      expect(parseUpid(bad)).toBeUndefined();
  });

  it('follows each where its product serves it', () => {
    expect(taskPaths('pve', parseUpid(pve)!).status).toBe(`/nodes/pve1/tasks/${encodeURIComponent(pve)}/status`);
    expect(taskPaths('pbs', parseUpid(pbs)!).status).toMatch(/^\/nodes\/localhost\/tasks\/UPID%3Apbs1%3A.*\/status$/);
    expect(taskPaths('pdm', parseUpid(`prod!${pve}`)!).log).toBe(
      `/pve/remotes/prod/tasks/${encodeURIComponent(`prod!${pve}`).replace('!', '%21')}/log`,
    );
    expect(taskPaths('pdm', parseUpid(`backup!${pbs}`)!).status).toMatch(/^\/pbs\/remotes\/backup\/tasks\//);
  });
});

describe('tools per target', () => {
  it('does not offer the guest tools when no target is a PVE cluster, and says why', () => {
    const pbs = configFromEnv({ PROXMOX_URL: 'https://pbs.lab', PROXMOX_PRODUCT: 'pbs', ...base, SSH_AUTH_SOCK: '/tmp/agent.sock' });
    const offer = offerTools(pbs);
    expect(offer.tools.map((t) => t.name)).toEqual(['proxmox-api-schema', 'proxmox-api-read', 'proxmox-api']);
    expect(withheldLines(offer)).toEqual([
      "proxmox-execute-container-command, proxmox-execute-vm-command not offered: no Proxmox VE target (cluster 'default' is a Proxmox Backup Server, which has no VMs or containers)",
    ]);
    // With a PVE cluster beside it, the VM tool is offered (and refuses the PBS target by name).
    const pve = configFromEnv({ PROXMOX_URL: 'https://pve.lab', ...base, SSH_AUTH_SOCK: '/tmp/agent.sock' }).clusters[0];
    const both = { ...pbs, clusters: [...pbs.clusters, { ...pve, name: 'lab' }] };
    expect(offerTools(both).tools.map((t) => t.name)).toContain('proxmox-execute-vm-command');
    expect(offerTools(both).tools.map((t) => t.name)).toContain('proxmox-execute-container-command');
  });

  it('refuses a PBS or PDM target in the exec tools with the reason, before anything is sent', async () => {
    for (const product of ['pbs', 'pdm']) {
      const rt = new Runtime(
        configFromEnv({ PROXMOX_URL: 'https://127.0.0.1:9', PROXMOX_PRODUCT: product, ...base, PROXMOX_SSH_KEY_PATH: '/nonexistent' }),
      );
      const vm = await failure(vmCommandTool.run(vmCommandTool.input.parse({ vmid: 100, node: 'pve1', command: 'uptime' }), rt, noCall));
      expect(vm).toMatch(
        new RegExp(
          `cluster 'default' is a Proxmox (Backup Server|Datacenter Manager) \\(product ${product}\\), which has no VMs or containers`,
        ),
      );
      const ct = await failure(
        containerCommandTool.run(containerCommandTool.input.parse({ vmid: 100, node: 'pve1', command: 'uptime' }), rt, noCall),
      );
      expect(ct).toMatch(/proxmox-execute-container-command runs commands in Proxmox VE guests/);
      rt.close();
    }
  });
});

describe.skipIf(!haveProductApidoc('pdm-1.1'))(`a Datacenter Manager target end to end (${productMissingNote('pdm-1.1')})`, () => {
  let fake: FakeHost;
  const rts: Runtime[] = [];
  const runtime = (extra: Record<string, string>) => {
    const rt = new Runtime(
      configFromEnv({
        PROXMOX_URL: fake.url,
        PROXMOX_PRODUCT: 'pdm',
        PROXMOX_FINGERPRINT: fake.fingerprint,
        PROXMOX_CACHE_DIR: mkdtempSync(path.join(tmpdir(), 'pmcp-pdm-')),
        PROXMOX_CONFIRM: 'param',
        ...extra,
      }),
    );
    rts.push(rt);
    return rt;
  };
  beforeAll(async () => {
    fake = await startFakeHost('pdm', readFileSync(productApidocFile('pdm-1.1'), 'utf8'));
  });
  afterAll(async () => {
    for (const rt of rts) rt.close();
    await fake?.close();
  });

  it('loads the schema from /docs/api-viewer/apidoc.js and answers discovery from it', async () => {
    const rt = runtime({ PROXMOX_API_TOKEN: `root@pam!mcp=${fake.secret}` });
    const out = await apiSchemaTool.run(
      apiSchemaTool.input.parse({ path: '/pve/remotes/{remote}/qemu/{vmid}/migrate', method: 'POST' }),
      rt,
      noCall,
    );
    expect(out.isError).toBeFalsy();
    expect(out.text).toMatch(/Permissions: Resource.Migrate on \/resource\/\{remote\}\/guest\/\{vmid\}/);
    expect(fake.seen.some((s) => s.path === '/docs/api-viewer/apidoc.js')).toBe(true);
    expect(fake.seen.some((s) => s.path === '/pve-docs/api-viewer/apidoc.js')).toBe(false);
  });

  it('sends the token as PDMAPIToken with a colon, whichever separator the setting used', async () => {
    const rt = runtime({ PROXMOX_API_TOKEN: `root@pam!mcp=${fake.secret}` });
    const out = await apiReadTool.run(apiReadTool.input.parse({ path: '/remotes/remote' }), rt, noCall);
    expect(out.text).toContain('prod');
    const last = fake.seen.filter((s) => s.path === '/api2/json/remotes/remote').at(-1)!;
    expect(last.authorization).toBe(`PDMAPIToken=root@pam!mcp:${fake.secret}`);
  });

  it('refuses a call the schema does not allow, before sending it', async () => {
    const rt = runtime({ PROXMOX_API_TOKEN: `root@pam!mcp:${fake.secret}` });
    const before = fake.seen.length;
    const msg = await failure(
      apiTool.run(apiTool.input.parse({ path: '/pve/remotes/prod/qemu/100/start', method: 'POST', params: { nodee: 'pve1' } }), rt, noCall),
    );
    expect(msg).toMatch(/unknown parameter 'nodee'; did you mean 'node'/);
    expect(fake.seen.slice(before).some((s) => s.path.includes('/qemu/100/start'))).toBe(false);
  });

  it("follows a managed remote's task through the remote's task API", async () => {
    const rt = runtime({ PROXMOX_API_TOKEN: `root@pam!mcp:${fake.secret}` });
    const out = await apiTool.run(apiTool.input.parse({ path: '/pve/remotes/prod/qemu/100/start', method: 'POST' }), rt, noCall);
    expect(out.text).toMatch(/task finished: OK .* prod!UPID:pve1:/);
    expect(fake.seen.some((s) => /^\/api2\/json\/pve\/remotes\/prod\/tasks\/prod!UPID:pve1:.*\/status$/.test(s.path))).toBe(true);
  });

  it('logs in with a password and sends the ticket as PDMAuthCookie, with the CSRF token on writes', async () => {
    const rt = runtime({ PROXMOX_USERNAME: 'root@pam', PROXMOX_PASSWORD: 'hunter22' });
    const out = await apiTool.run(
      apiTool.input.parse({ path: '/pve/remotes/prod/qemu/100/start', method: 'POST', wait: false }),
      rt,
      noCall,
    );
    expect(out.text).toContain('prod!UPID:');
    const sent = fake.seen.filter((s) => s.method === 'POST' && s.path.endsWith('/qemu/100/start')).at(-1)!;
    expect(sent.cookie).toMatch(/^PDMAuthCookie=PDM%3Aroot%40pam/);
    expect(sent.csrf).toBe('6700000A:fakecsrf');
    expect(sent.authorization).toBeUndefined();
  });

  it('asks before removing a remote', async () => {
    const rt = runtime({ PROXMOX_API_TOKEN: `root@pam!mcp:${fake.secret}` });
    const msg = await failure(apiTool.run(apiTool.input.parse({ path: '/remotes/remote/prod', method: 'DELETE' }), rt, noCall));
    expect(msg).toMatch(/^NOT RUN: [\s\S]*This removes the remote from the Datacenter Manager\.[\s\S]*confirm: "/);
  });

  it('reports a wrong secret as a refused token, without the secret', async () => {
    const rt = runtime({ PROXMOX_API_TOKEN: 'root@pam!mcp:wrong-secret-123' });
    const msg = await failure(apiReadTool.run(apiReadTool.input.parse({ path: '/remotes/remote' }), rt, noCall));
    expect(msg).toMatch(/401|refused/);
    expect(msg).not.toContain('wrong-secret-123');
  });
});

describe.skipIf(!haveProductApidoc('pbs-4.2'))(
  `a Backup Server target against the real PBS schema (${productMissingNote('pbs-4.2')})`,
  () => {
    let fake: FakeHost;
    let rt: Runtime;
    beforeAll(async () => {
      fake = await startFakeHost('pbs', readFileSync(productApidocFile('pbs-4.2'), 'utf8'));
      rt = new Runtime(
        configFromEnv({
          PROXMOX_URL: fake.url,
          PROXMOX_PRODUCT: 'pbs',
          PROXMOX_FINGERPRINT: fake.fingerprint,
          PROXMOX_API_TOKEN: `PBSAPIToken=root@pam!mcp:${fake.secret}`,
          PROXMOX_CACHE_DIR: mkdtempSync(path.join(tmpdir(), 'pmcp-pbs-')),
          PROXMOX_CONFIRM: 'param',
        }),
      );
    });
    afterAll(async () => {
      rt?.close();
      await fake?.close();
    });

    it('starts garbage collection and follows the PBS task on /nodes/localhost', async () => {
      const out = await apiTool.run(apiTool.input.parse({ path: '/admin/datastore/store1/gc', method: 'POST' }), rt, noCall);
      expect(out.text).toMatch(/task finished: OK .*UPID:pbs-host:/);
      expect(
        fake.seen.some(
          (s) =>
            /^\/api2\/json\/nodes\/localhost\/tasks\/UPID:pbs-host:.*\/status$/.test(s.path) &&
            s.authorization === `PBSAPIToken=root@pam!mcp:${fake.secret}`,
        ),
      ).toBe(true);
    });

    it('answers an UPLOAD operation with a note instead of sending it', async () => {
      const before = fake.seen.length;
      const msg = await failure(
        apiTool.run(apiTool.input.parse({ path: '/admin/datastore/store1/upload-backup-log', method: 'POST', params: {} }), rt, noCall),
      );
      expect(msg).toMatch(/uploads a file \(a streaming UPLOAD operation\)/);
      expect(fake.seen.length).toBe(before);
    });

    it('has no protocol roots to call', async () => {
      const msg = await failure(apiReadTool.run(apiReadTool.input.parse({ path: '/backup/_upgrade_/previous' }), rt, noCall));
      expect(msg).toMatch(/unknown path/);
    });

    it('asks before forgetting a snapshot, and not before a dry-run prune', async () => {
      const forget = await failure(
        apiTool.run(
          apiTool.input.parse({
            path: '/admin/datastore/store1/snapshots',
            method: 'DELETE',
            params: { 'backup-type': 'vm', 'backup-id': '100', 'backup-time': 1700000000 },
          }),
          rt,
          noCall,
        ),
      );
      expect(forget).toMatch(/^NOT RUN: [\s\S]*This forgets \(deletes\) the backup snapshot\./);
      const prune = await failure(
        apiTool.run(
          apiTool.input.parse({
            path: '/admin/datastore/store1/prune',
            method: 'POST',
            params: { 'backup-type': 'vm', 'backup-id': '100', 'keep-last': 1 },
          }),
          rt,
          noCall,
        ),
      );
      expect(prune).toMatch(/^NOT RUN: [\s\S]*deletes the backup snapshots the keep options do not keep/);
      const dry = await failure(
        apiTool.run(
          apiTool.input.parse({
            path: '/admin/datastore/store1/prune',
            method: 'POST',
            params: { 'backup-type': 'vm', 'backup-id': '100', 'keep-last': 1, 'dry-run': true },
          }),
          rt,
          noCall,
        ),
      );
      expect(dry).not.toMatch(/NOT RUN/); // sent: the fake answers it is unsupported
      expect(dry).toMatch(/unsupported by the fake/);
    });
  },
);

void ToolError;
