import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseApidoc } from '../../src/schema/apidoc.js';
import { Catalog } from '../../src/schema/catalog.js';
import { jsPattern, normalizePermissions, protocolRoots } from '../../src/schema/dialect.js';
import { renderDetail } from '../../src/schema/render.js';
import { validateParams } from '../../src/schema/validate.js';
import { haveProductApidoc, productApidocFile, productCatalog, productMissingNote } from './shared.js';

/** A hand-made tree in the PBS dialect: every difference from PVE's, small enough to read. */
const pbsLike = [
  {
    path: '/',
    text: '',
    info: {
      GET: {
        description: 'Directory index.',
        method: 'GET',
        parameters: { additionalProperties: false, properties: {} },
        permissions: { user: 'all' },
      },
    },
    children: [
      {
        path: '/admin/datastore/{store}/snapshots',
        text: 'snapshots',
        leaf: 1,
        info: {
          DELETE: {
            description: 'Delete backup snapshot.',
            method: 'DELETE',
            parameters: {
              additionalProperties: false,
              properties: {
                store: { type: 'string', pattern: '/^(?:[A-Za-z0-9_][A-Za-z0-9._\\-]*)$/' },
                'backup-type': { type: 'string', enum: ['vm', 'ct', 'host'] },
                'backup-id': { type: 'string', pattern: '/^[A-Za-z0-9_][A-Za-z0-9._\\-]*$/' },
                'backup-time': { type: 'integer', minimum: 1 },
                comment: { type: 'string', optional: 1, pattern: '/^[[:^cntrl:]]*$/' },
                mac: { type: 'string', optional: 1, pattern: '/([a-fA-F0-9]{2}:){5}[a-fA-F0-9]{2}/' },
                name: { type: 'string', optional: 1, pattern: '/(?i)^[a-z]+$/' },
                'maintenance-mode': {
                  type: 'string',
                  optional: 1,
                  format: {
                    type: 'object',
                    default_key: 'type',
                    additionalProperties: false,
                    properties: { type: { type: 'string', enum: ['read-only', 'offline'] }, message: { type: 'string', optional: 1 } },
                  },
                },
                'group-filter': { type: 'string', optional: 1, format: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } } },
              },
            },
            permissions: { check: { partial: true, path: ['datastore', '{store}'], privs: ['Datastore.Modify', 'Datastore.Prune'] } },
            unstable: true,
          },
        },
      },
      {
        path: '/admin/datastore/{store}/download',
        text: 'download',
        leaf: 1,
        info: {
          GET: {
            description: 'Download a file.',
            method: 'DOWNLOAD',
            parameters: { additionalProperties: true, properties: {} },
            permissions: { or: [{ check: { partial: false, path: [], privs: ['Sys.Audit'] } }, { userParam: 'userid' }] },
          },
        },
      },
      {
        path: '/admin/datastore/{store}/upload-backup-log',
        text: 'upload-backup-log',
        leaf: 1,
        info: {
          POST: {
            description: 'Upload the client backup log.',
            method: 'UPLOAD',
            parameters: { additionalProperties: false, properties: {} },
          },
        },
      },
      {
        path: '/backup',
        text: 'backup',
        leaf: 1,
        info: { GET: { description: 'Upgrade to the backup protocol.', method: 'DOWNLOAD', parameters: { properties: {} } } },
      },
    ],
  },
  {
    path: '/backup/_upgrade_',
    text: '_upgrade_',
    info: { GET: { description: 'Directory index.', method: 'GET', parameters: { properties: {} } } },
    children: [
      {
        path: '/backup/_upgrade_/blob',
        text: 'blob',
        leaf: 1,
        info: { POST: { description: 'Upload a blob.', method: 'UPLOAD', parameters: { properties: {} } } },
      },
    ],
  },
];

describe('the PBS/PDM dialect in the catalog', () => {
  const c = Catalog.fromApidoc(parseApidoc(JSON.stringify(pbsLike)), { product: 'pbs' });
  const del = c.get('DELETE', '/admin/datastore/{store}/snapshots')!;

  it('leaves the backup and reader protocols out: the upgrade trees and the GET that switches to them', () => {
    expect(c.operations.map((o) => `${o.method} ${o.path}`)).toEqual([
      'GET /',
      'DELETE /admin/datastore/{store}/snapshots',
      'GET /admin/datastore/{store}/download',
      'POST /admin/datastore/{store}/upload-backup-log',
    ]);
    expect(c.templates).not.toContain('/backup');
    expect(c.match('/backup/_upgrade_/blob')).toBeUndefined();
    expect([...protocolRoots(pbsLike)].sort()).toEqual(['/backup', '/backup/_upgrade_']);
  });

  it('reads DOWNLOAD and UPLOAD as the HTTP method they ride on, marked as streaming', () => {
    expect(c.get('GET', '/admin/datastore/{store}/download')!.streaming).toBe('download');
    expect(c.get('POST', '/admin/datastore/{store}/upload-backup-log')!.streaming).toBe('upload');
    expect(del.streaming).toBeUndefined();
    expect(renderDetail(c.get('POST', '/admin/datastore/{store}/upload-backup-log')!)).toMatch(/UPLOAD: takes a file/);
  });

  it('takes boolean additionalProperties and the unstable mark', () => {
    expect(del.additionalParams).toBe(false);
    expect(c.get('GET', '/admin/datastore/{store}/download')!.additionalParams).toBe(true);
    expect(del.unstable).toBe(true);
    expect(renderDetail(del)).toMatch(/unstable/);
  });

  it('has no name, protected or proxyto, and defaults them', () => {
    expect(del).toMatchObject({ name: '', protected: false, proxyto: undefined, allowtoken: true });
  });

  it('translates Rust regexes: delimiters, POSIX classes, unanchored matching; drops what JavaScript cannot say', () => {
    const spec = (n: string) => del.params.find((p) => p.name === n)!;
    expect(spec('backup-id').pattern).toBe('^[A-Za-z0-9_][A-Za-z0-9._\\-]*$');
    expect(spec('comment').pattern).toBe('^[^\\x00-\\x1F\\x7F]*$');
    expect(spec('name').pattern).toBeUndefined();
    const ok = { 'backup-type': 'vm', 'backup-id': '100', 'backup-time': 1700000000 };
    expect(validateParams(del, ok).ok).toBe(true);
    expect(validateParams(del, { ...ok, 'backup-id': '-bad' }).errors.join()).toMatch(/backup-id/);
    expect(validateParams(del, { ...ok, comment: 'line\u0007bell' }).errors.join()).toMatch(/comment/);
    // Unanchored in Rust: any text holding a MAC address passes, as it does on the server.
    expect(validateParams(del, { ...ok, mac: 'mac AA:BB:CC:DD:EE:FF here' }).ok).toBe(true);
    expect(validateParams(del, { ...ok, mac: 'none' }).ok).toBe(false);
    // Case-insensitive flags cannot be carried over: not checked here rather than checked wrongly.
    expect(validateParams(del, { ...ok, name: 'ABC' }).ok).toBe(true);
  });

  it('reads nested format schemas as property strings and lists', () => {
    const mm = del.params.find((p) => p.name === 'maintenance-mode')!;
    expect(Object.keys(mm.format as object).sort()).toEqual(['message', 'type']);
    expect(mm.typetext).toBe('[type=]<read-only|offline>,[message=<string>]');
    const ok = { 'backup-type': 'vm', 'backup-id': '100', 'backup-time': 1 };
    expect(validateParams(del, { ...ok, 'maintenance-mode': 'type=offline,message=moving' }).ok).toBe(true);
    expect(validateParams(del, { ...ok, 'maintenance-mode': 'type=gone' }).errors.join()).toMatch(/must be one of read-only\|offline/);
    expect(validateParams(del, { ...ok, 'maintenance-mode': 'typo=offline' }).errors.join()).toMatch(/unknown option 'typo'.*'type'/);
    const gf = del.params.find((p) => p.name === 'group-filter')!;
    expect(gf.format).toBeUndefined();
    expect(gf.items?.enum).toEqual(['a', 'b']);
    expect(gf.typetext).toMatch(/list of <a\|b>/);
  });

  it('turns permission objects into PVE check arrays, so one reader serves every product', () => {
    expect(del.permissions).toEqual({ check: ['perm', '/datastore/{store}', ['Datastore.Modify', 'Datastore.Prune'], 'any', 1] });
    expect(c.get('GET', '/admin/datastore/{store}/download')!.permissions).toEqual({
      check: ['or', ['perm', '/', ['Sys.Audit']], ['userid-param', 'self']],
    });
    expect(renderDetail(del)).toMatch(/Permissions: Datastore.Modify or Datastore.Prune on \/datastore\/\{store\}/);
    expect(normalizePermissions({ and: [{ check: { path: ['a'], privs: ['X'] } }], description: 'd' })).toEqual({
      description: 'd',
      check: ['and', ['perm', '/a', ['X']]],
    });
    // PVE's own form passes unchanged.
    const pve = { check: ['perm', '/vms/{vmid}', ['VM.Audit']] };
    expect(normalizePermissions(pve)).toBe(pve);
    expect(normalizePermissions(undefined)).toBeUndefined();
  });

  it('recognises the product from the paths when not told', () => {
    expect(Catalog.fromApidoc(parseApidoc(JSON.stringify(pbsLike))).product).toBe('pve'); // too small to tell
    expect(c.product).toBe('pbs');
  });

  it('refuses hostile patterns without hanging or throwing', () => {
    expect(jsPattern('/(/')).toBeUndefined();
    expect(jsPattern('/[[:alpha:]]+/')).toBeUndefined();
    expect(jsPattern('plain')).toBe('plain');
    expect(jsPattern('/^(?P<a>x)(?P<a>y)$/')).toBeUndefined(); // duplicate group names do not compile
    expect(jsPattern('/x/')).toBe('[\\s\\S]*(?:x)[\\s\\S]*');
  });
});

describe.skipIf(!haveProductApidoc('pbs-4.2'))(`PBS 4.2 schema (${productMissingNote('pbs-4.2')})`, () => {
  const c = haveProductApidoc('pbs-4.2') ? productCatalog('pbs-4.2') : undefined!;

  it('has its 367 operations less the 20 of the backup and reader protocols', () => {
    const raw = readFileSync(productApidocFile('pbs-4.2'), 'utf8');
    // As a PBS host serves it: `var apiSchema = [...]` inside the viewer's JavaScript.
    const served = `// viewer\nvar apiSchema = ${raw};\nlet x = ']';\n`;
    expect(Catalog.fromApidoc(parseApidoc(served)).operations).toHaveLength(347);
    expect(c.operations).toHaveLength(347);
    expect(c.product).toBe('pbs');
    expect(c.operations.some((o) => /^\/(backup|reader)(\/|$)/.test(o.path))).toBe(false);
    expect(c.childrenOf('/')).toEqual(expect.arrayContaining(['/admin', '/config', '/nodes', '/tape', '/status', '/pull', '/push']));
  });

  it('marks its streaming operations and nothing else', () => {
    const streaming = c.operations.filter((o) => o.streaming).map((o) => `${o.streaming} ${o.method} ${o.path}`);
    expect(streaming).toContain('download GET /admin/datastore/{store}/download');
    expect(streaming).toContain('upload POST /admin/datastore/{store}/upload-backup-log');
    expect(streaming.every((s) => /^(download GET|upload POST) /.test(s))).toBe(true);
  });

  it('compiles all but a handful of its patterns, and every kept one is valid JavaScript', () => {
    const all = c.operations.flatMap((o) => o.params.flatMap((p) => [p, ...Object.values(typeof p.format === 'object' ? p.format : {})]));
    const withPattern = all.filter((p) => typeof p.raw.pattern === 'string');
    const kept = withPattern.filter((p) => p.pattern !== undefined);
    expect(kept.length).toBeGreaterThan(withPattern.length - 5);
    for (const p of kept) expect(() => new RegExp(p.pattern!)).not.toThrow();
  });

  it('validates a real call: datastore names, namespaces and backup times by the real patterns', () => {
    const op = c.get('DELETE', '/admin/datastore/{store}/snapshots')!;
    expect(validateParams(op, { 'backup-type': 'vm', 'backup-id': '100', 'backup-time': 1700000000, ns: 'dev/team-a' }).ok).toBe(true);
    expect(validateParams(op, { 'backup-type': 'vm', 'backup-id': '100', 'backup-time': 1700000000, ns: 'a/b/c/d/e/f/g/h/i' }).ok).toBe(
      false,
    );
    expect(validateParams(op, { 'backup-type': 'qemu', 'backup-id': '100', 'backup-time': 1 }).errors.join()).toMatch(/vm\|ct\|host/);
    const create = c.get('POST', '/config/datastore')!;
    expect(validateParams(create, { name: 'store2', path: '/mnt/store2', 'maintenance-mode': 'type=read-only' }).ok).toBe(true);
    expect(validateParams(create, { name: 'store2', path: '/mnt/store2', tuning: 'chunk-order=random' }).errors.join()).toMatch(
      /chunk-order/,
    );
    expect(validateParams(create, { name: 'store2', path: '/mnt/store2', bogus: 1 }).errors.join()).toMatch(/unknown parameter 'bogus'/);
  });

  it('renders permissions in words', () => {
    expect(renderDetail(c.get('POST', '/admin/datastore/{store}/mount')!)).toMatch(
      /Permissions: Datastore.Modify on \/datastore\/\{store\} and Sys.Modify on \/system\/disks/,
    );
  });
});

describe.skipIf(!haveProductApidoc('pdm-1.1'))(`PDM 1.1 schema (${productMissingNote('pdm-1.1')})`, () => {
  const c = haveProductApidoc('pdm-1.1') ? productCatalog('pdm-1.1') : undefined!;

  it('has its 327 operations under one root', () => {
    expect(c.operations).toHaveLength(327);
    expect(c.product).toBe('pdm');
    expect(c.match('/pve/remotes/prod/qemu/100/start')?.template).toBe('/pve/remotes/{remote}/qemu/{vmid}/start');
  });

  it('validates calls to managed remotes', () => {
    const op = c.get('POST', '/pve/remotes/{remote}/qemu/{vmid}/migrate')!;
    expect(op.permissions).toMatchObject({ check: ['and', ['perm', '/resource/{remote}/guest/{vmid}', ['Resource.Migrate']]] });
    expect(validateParams(op, { target: 'pve2' }).ok).toBe(true);
    expect(validateParams(op, { target: 'pve2', online: 'perhaps' }).ok).toBe(false);
  });
});
