import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/schema/catalog.js';
import { catalogFor, haveApidoc, missingNote } from './shared.js';

describe('Catalog on a small tree', () => {
  const tiny = Catalog.fromApidoc([
    {
      path: '/a',
      text: 'a',
      children: [
        {
          path: '/a/{id}',
          text: '{id}',
          info: { GET: { name: 'one', description: 'One.', parameters: { properties: { id: { type: 'string' } } } } },
        },
        { path: '/a/special', text: 'special', info: { GET: { name: 'special', description: 'Special.' } } },
      ],
      info: { GET: { name: 'list', description: 'List. More text.' }, POST: { name: 'add', description: 'Add.' } },
    },
  ]);

  it('builds operations with path parameters split off', () => {
    expect(tiny.operations.map((o) => `${o.method} ${o.path}`)).toEqual(['GET /a', 'POST /a', 'GET /a/{id}', 'GET /a/special']);
    expect(tiny.get('GET', '/a/{id}')).toMatchObject({ pathParams: ['id'], params: [], summary: 'One.' });
    expect(tiny.get('GET', '/a')?.summary).toBe('List.');
    expect(tiny.methodsFor('/a')).toEqual(['GET', 'POST']);
  });

  it('prefers literal segments and backtracks to parameters', () => {
    expect(tiny.match('/a/special')).toEqual({ template: '/a/special', pathParams: {} });
    expect(tiny.match('/a/specials')).toEqual({ template: '/a/{id}', pathParams: { id: 'specials' } });
    expect(tiny.match('/a/b/c')).toBeUndefined();
  });
});

describe.skipIf(!haveApidoc)(`Catalog on PVE 9.2 (${missingNote})`, () => {
  const c = haveApidoc ? catalogFor('9.2') : undefined!;

  it('matches concrete paths, templates and mixes', () => {
    expect(c.match('/nodes/pve1/qemu/100/status/start')).toEqual({
      template: '/nodes/{node}/qemu/{vmid}/status/start',
      pathParams: { node: 'pve1', vmid: '100' },
    });
    expect(c.match('/nodes/{node}/qemu/{vmid}/config')).toEqual({ template: '/nodes/{node}/qemu/{vmid}/config', pathParams: {} });
    expect(c.match('/nodes/{node}/qemu/100')).toEqual({ template: '/nodes/{node}/qemu/{vmid}', pathParams: { vmid: '100' } });
    expect(c.match('/api2/json/nodes/pve1/lxc/')?.template).toBe('/nodes/{node}/lxc');
    expect(c.match('nodes/pve1/tasks?limit=5')?.template).toBe('/nodes/{node}/tasks');
  });

  it('decodes percent-encoded values', () => {
    expect(c.match('/nodes/pve1/storage/local/content/local%3Aiso%2Fdebian.iso')).toEqual({
      template: '/nodes/{node}/storage/{storage}/content/{volume}',
      pathParams: { node: 'pve1', storage: 'local', volume: 'local:iso/debian.iso' },
    });
    const upid = 'UPID:pve1:00001234:0000ABCD:65A0B0C0:qmstart:100:root@pam:';
    expect(c.match(`/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`)?.pathParams.upid).toBe(upid);
  });

  it('lets literal segments win over parameters', () => {
    expect(c.match('/nodes/pve1/qemu/100/status/current')?.template).toBe('/nodes/{node}/qemu/{vmid}/status/current');
    expect(c.match('/nodes/pve1/qemu/100/snapshot/before-upgrade')?.template).toBe('/nodes/{node}/qemu/{vmid}/snapshot/{snapname}');
    expect(c.match('/cluster/ha/status/current')?.template).toBe('/cluster/ha/status/current');
  });

  it('offers near paths for unknown ones', () => {
    expect(c.match('/nodes/pve1/qemu/100/statu')).toBeUndefined();
    expect(c.nearestPaths('/nodes/pve1/qemu/100/statu', 3)[0]).toBe('/nodes/{node}/qemu/{vmid}/status');
    expect(c.nearestPaths('/nodes/pve1/qemu/100/snapshots', 3)).toContain('/nodes/{node}/qemu/{vmid}/snapshot');
    expect(c.nearestPaths('/acess/users', 3)[0]).toBe('/access/users');
  });

  it('browses by prefix and by tag', () => {
    const qemuFirewall = c.subtree('/nodes/pve1/qemu/100/firewall');
    expect(qemuFirewall.length).toBeGreaterThan(10);
    expect(qemuFirewall.every((op) => op.path.startsWith('/nodes/{node}/qemu/{vmid}/firewall'))).toBe(true);
    const ceph = c.subtree('ceph');
    expect(ceph.length).toBeGreaterThan(30);
    expect(ceph.every((op) => op.path.includes('/ceph'))).toBe(true);
    expect(c.subtree('container')).toEqual(c.subtree('lxc'));
    expect(c.subtree('storage').some((op) => op.path === '/storage')).toBe(true);
    expect(c.subtree('nonsense-area')).toEqual([]);
  });

  it('reads indexed families and their stated range', () => {
    const create = c.get('POST', '/nodes/{node}/qemu')!;
    expect(create.params).toHaveLength(92);
    const scsi = create.params.find((p) => p.name === 'scsi[n]')!;
    expect(scsi).toMatchObject({ indexed: true, maxIndex: 30 });
    expect(typeof scsi.format).toBe('object');
    expect(create.params.find((p) => p.name === 'vmid')?.optional).toBe(false);
  });
});
