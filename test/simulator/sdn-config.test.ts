import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { haveCli, mcpSession, type McpSession } from './mcp-harness.js';

describe.skipIf(!haveCli)('SDN configuration through the MCP tools', () => {
  let sim: SimulatorHandle;
  let admin: McpSession;
  let ro: McpSession;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, taskDurationMs: 40 });
    [admin, ro] = await Promise.all([mcpSession(sim, { token: sim.tokens.admin }), mcpSession(sim, { token: sim.tokens.readonly })]);
  }, 60_000);

  afterAll(async () => {
    for (const s of [admin, ro]) await s?.close().catch(() => {});
    await sim?.close();
  });

  it("zones, VNets and subnets: create, read back, change, delete, with PVE's checks", async () => {
    expect((await admin.api('POST', '/cluster/sdn/zones', { zone: 'lab', type: 'vlan' })).text).toMatch(/bridge/);
    expect((await admin.api('POST', '/cluster/sdn/zones', { zone: 'lab', type: 'vlan', bridge: 'vmbr1', ipam: 'pve' })).isError).toBe(
      false,
    );
    expect((await admin.read('/cluster/sdn/zones/lab')).json).toMatch(/"bridge":"vmbr1"/);
    expect((await admin.api('POST', '/cluster/sdn/vnets', { vnet: 'vnet100', zone: 'lab' })).text).toMatch(/missing vlan tag/);
    expect((await admin.api('POST', '/cluster/sdn/vnets', { vnet: 'vnet100', zone: 'lab', tag: 100, alias: 'lab net' })).isError).toBe(
      false,
    );
    expect((await admin.api('POST', '/cluster/sdn/vnets', { vnet: 'vnet101', zone: 'lab', tag: 100 })).text).toMatch(
      /already exists in vnet: vnet100/,
    );
    expect((await admin.read('/cluster/sdn/vnets')).json).toMatch(/"vnet":"vnet100"/);
    const subnet = await admin.api('POST', '/cluster/sdn/vnets/vnet100/subnets', {
      subnet: '10.100.0.0/24',
      type: 'subnet',
      gateway: '10.100.0.1',
      snat: 1,
    });
    expect(subnet.isError, subnet.text).toBe(false);
    expect((await admin.read('/cluster/sdn/vnets/vnet100/subnets')).json).toMatch(/"subnet":"lab-10\.100\.0\.0-24"/);
    expect((await admin.read('/cluster/sdn/vnets/vnet100/subnets/10.100.0.0%2F24')).isError).toBe(true);
    expect((await admin.read('/cluster/sdn/vnets/vnet100/subnets/lab-10.100.0.0-24')).json).toMatch(/"gateway":"10\.100\.0\.1"/);
    expect((await admin.api('POST', '/cluster/sdn/vnets/vnet100/subnets', { subnet: '10.101.0.5/24', type: 'subnet' })).text).toMatch(
      /not a network address/,
    );
    expect(
      (await admin.api('POST', '/cluster/sdn/vnets/vnet100/subnets', { subnet: '10.102.0.0/24', type: 'subnet', gateway: '10.9.9.9' }))
        .text,
    ).toMatch(/not in subnet/);
    expect((await admin.api('PUT', '/cluster/sdn/vnets/vnet100/subnets/lab-10.100.0.0-24', { gateway: '10.100.0.254' })).isError).toBe(
      false,
    );
    expect((await admin.api('DELETE', '/cluster/sdn/zones/lab')).text).toMatch(/vnet 'vnet100' is using it/);
    expect((await admin.api('DELETE', '/cluster/sdn/vnets/vnet100')).text).toMatch(/still has subnets/);
    expect((await admin.api('PUT', '/cluster/sdn')).isError).toBe(false);
    expect((await admin.api('DELETE', '/cluster/sdn/vnets/vnet100/subnets/lab-10.100.0.0-24')).isError).toBe(false);
    expect((await admin.api('DELETE', '/cluster/sdn/vnets/vnet100')).isError).toBe(false);
    expect((await admin.api('DELETE', '/cluster/sdn/zones/lab')).isError).toBe(false);
    expect((await ro.api('POST', '/cluster/sdn/zones', { zone: 'x1', type: 'simple' })).text).toMatch(/SDN\.Allocate/);
  });

  it('controllers, IPAMs and DNS plugins; secrets are not listed', async () => {
    expect((await admin.api('POST', '/cluster/sdn/controllers', { controller: 'evpn1', type: 'evpn' })).text).toMatch(/asn/);
    expect(
      (
        await admin.api('POST', '/cluster/sdn/controllers', {
          controller: 'evpn1',
          type: 'evpn',
          asn: 65000,
          peers: '192.0.2.11,192.0.2.12',
        })
      ).isError,
    ).toBe(false);
    expect(
      (await admin.api('POST', '/cluster/sdn/zones', { zone: 'evz', type: 'evpn', controller: 'evpn1', 'vrf-vxlan': 10000 })).isError,
    ).toBe(false);
    expect((await admin.api('DELETE', '/cluster/sdn/controllers/evpn1')).text).toMatch(/zone 'evz' is using it/);
    expect(
      (
        await admin.api('POST', '/cluster/sdn/ipams', {
          ipam: 'nb',
          type: 'netbox',
          url: 'https://netbox.simlab.example/api',
          token: 'tok-secret-1',
        })
      ).isError,
    ).toBe(false);
    const ipams = await admin.read('/cluster/sdn/ipams');
    expect(ipams.json).toMatch(/"ipam":"pve"/);
    expect(ipams.json).toMatch(/"ipam":"nb"/);
    expect(ipams.json).not.toMatch(/tok-secret-1/);
    expect((await admin.api('DELETE', '/cluster/sdn/ipams/pve')).text).toMatch(/built-in/);
    expect(
      (
        await admin.api('POST', '/cluster/sdn/dns', {
          dns: 'pdns',
          type: 'powerdns',
          url: 'https://pdns.simlab.example/api/v1/servers/localhost',
          key: 'k',
        })
      ).isError,
    ).toBe(false);
    expect((await admin.api('PUT', '/cluster/sdn/dns/pdns', { ttl: 300 })).isError).toBe(false);
    expect((await admin.read('/cluster/sdn/dns/pdns')).json).toMatch(/"ttl":300/);
    expect((await ro.read('/cluster/sdn/dns/pdns')).text).toMatch(/SDN\.Allocate/);
  });
});
