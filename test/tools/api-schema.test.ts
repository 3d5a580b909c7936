import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/schema/catalog.js';
import { AuditLog } from '../../src/safety/audit.js';
import { Policy } from '../../src/safety/policy.js';
import { apiSchemaTool } from '../../src/tools/api-schema.js';
import type { ClusterContext, ToolCall, ToolEnv } from '../../src/tools/types.js';
import { catalogFor, haveApidoc, missingNote } from '../schema/shared.js';

function envWith(catalog: Catalog | undefined, schemaProblem?: string): ToolEnv {
  const policy = new Policy({ allow: [], deny: [], readonly: false });
  const ctx = { name: 'default', catalog: async () => catalog, schemaProblem, policy } as unknown as ClusterContext;
  return {
    config: {} as ToolEnv['config'],
    cluster: (name?: string) => {
      if (name && name !== 'default') throw new Error(`unknown cluster '${name}'`);
      return ctx;
    },
    audit: new AuditLog(),
  };
}
const call: ToolCall = { signal: new AbortController().signal, progress: async () => undefined };

describe('proxmox-api-schema tool definition', () => {
  it('is read-only and short', () => {
    expect(apiSchemaTool.name).toBe('proxmox-api-schema');
    expect(apiSchemaTool.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false, openWorldHint: false });
    expect(apiSchemaTool.kind).toBe('read');
    // Two sentences and an example; the whole tools/list budget is held in test/e2e/tools-list-budget.test.ts.
    expect(countTokens(apiSchemaTool.description)).toBeLessThan(60);
    expect(apiSchemaTool.input.safeParse({ method: 'PATCH' }).success).toBe(false);
  });

  it('says how to provide a schema when there is none', async () => {
    const out = await apiSchemaTool.run({}, envWith(undefined, 'cluster unreachable'), call);
    expect(out.isError).toBe(true);
    expect(out.text).toContain('cluster unreachable');
    expect(out.text).toContain('PROXMOX_SCHEMA_FILE');
  });
});

describe.skipIf(!haveApidoc)(`proxmox-api-schema on PVE 9.2 (${missingNote})`, () => {
  const env = haveApidoc ? envWith(catalogFor('9.2')) : undefined!;
  const run = (args: Parameters<typeof apiSchemaTool.run>[0]) => apiSchemaTool.run(apiSchemaTool.input.parse(args), env, call);

  it('gives an overview when asked nothing', async () => {
    const out = await run({});
    expect(out.text).toMatch(/^675 API operations/);
    expect(out.text).toContain('/cluster:');
    expect(out.text).toContain('query=');
    expect(countTokens(out.text)).toBeLessThan(600);
  });

  it('answers a query with a short ranked list', async () => {
    const out = await run({ query: 'reboot a virtual machine' });
    const lines = out.text.split('\n');
    expect(lines[0]).toMatch(/^POST \/nodes\/\{node\}\/qemu\/\{vmid\}\/status\/reboot /);
    expect(lines.length).toBeLessThanOrEqual(9);
    expect(out.text).toContain('Details: proxmox-api-schema path=/nodes/{node}/qemu/{vmid}/status/reboot method=POST');
    const filtered = await run({ query: 'snapshot', method: 'DELETE' });
    expect(
      filtered.text
        .split('\n')
        .slice(0, -1)
        .every((l) => l.startsWith('DELETE ')),
    ).toBe(true);
  });

  it('details one operation from a concrete path', async () => {
    const out = await run({ path: '/nodes/pve1/qemu/100/config', method: 'PUT' });
    expect(out.text).toContain('(/nodes/{node}/qemu/{vmid}/config with node=pve1, vmid=100)');
    expect(out.text).toContain('PUT /nodes/{node}/qemu/{vmid}/config');
    expect(countTokens(out.text)).toBeLessThan(2000);
    const single = await run({ path: '/nodes/{node}/qemu/{vmid}/status/start' });
    expect(single.text).toMatch(/^POST \/nodes\/\{node\}\/qemu\/\{vmid\}\/status\/start/);
    const params = await run({ path: '/nodes/{node}/qemu', method: 'POST', params: ['net[n]'] });
    expect(params.text).toContain('[model=]<enum>');
  });

  it('lists the methods and children of a path with several methods', async () => {
    const out = await run({ path: '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}' });
    expect(out.text).toContain('DELETE /nodes/{node}/qemu/{vmid}/snapshot/{snapname}');
    expect(out.text).toContain('Below: /config /rollback');
  });

  it('browses a tag or a prefix, capped, and explains unknown ones', async () => {
    const ceph = await run({ tag: 'ceph' });
    expect(ceph.text).toMatch(/\d+ operations in tag ceph: narrow/);
    expect(ceph.text.split('\n').length).toBeLessThanOrEqual(33);
    const ha = await run({ tag: 'ha', method: 'POST' });
    expect(ha.text.split('\n').every((l) => l.startsWith('POST '))).toBe(true);
    const bad = await run({ tag: 'firewll' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('firewall');
    const unknown = await run({ path: '/nodes/pve1/qemu/100/statu' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('/nodes/{node}/qemu/{vmid}/status');
    const noMethod = await run({ path: '/version', method: 'DELETE' });
    expect(noMethod).toMatchObject({ isError: true, text: '/version has no DELETE; it has GET.' });
  });
});
