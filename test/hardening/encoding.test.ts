import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitList } from '../../src/proxmox/split-list.js';
import { haveCli, schema92, startServer, textOf, type McpSession } from './mcp.js';

/** A readable file that holds no API schema: the server starts, and every call goes unvalidated. */
function notASchemaFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pmcp-noschema-')), 'apidoc.js');
  writeFileSync(file, 'const apiSchema = "not a schema";\n');
  return file;
}

describe('lists are read the way PVE reads them (PVE::Tools::split_list)', () => {
  it('splits on NUL when there is one, else on commas, semicolons and whitespace', () => {
    expect(splitList('scsi1\u0000unused0')).toEqual(['scsi1', 'unused0']);
    expect(splitList('scsi1, unused0;net0\tide2\nsata1\u000bsata2\fsata3\r')).toEqual([
      'scsi1',
      'unused0',
      'net0',
      'ide2',
      'sata1',
      'sata2',
      'sata3',
    ]);
    expect(splitList(',,;  ')).toEqual([]);
    expect(splitList(['a', 'b\u0000c'])).toEqual(['a', 'b', 'c']);
    expect(splitList(undefined)).toEqual([]);
  });
});

describe.skipIf(!haveCli)('confirmation cannot be dodged by how a list is written (real MCP client, demo cluster)', () => {
  let s: McpSession;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  const configPut = (del: string, extra: Record<string, unknown> = {}) =>
    s.call('proxmox-api', { path: '/nodes/pve1/qemu/100/config', method: 'PUT', params: { delete: del }, ...extra });

  it('holds every separator form of an unusedN delete for confirmation', async () => {
    for (const del of [
      'unused0',
      'scsi1;unused0',
      'scsi1 unused0',
      'scsi1\tunused0',
      'scsi1\nunused0',
      'scsi1,,unused0',
      ' unused0 ',
      'scsi1\r\nunused0',
    ]) {
      const r = await configPut(del);
      expect(r.isError, JSON.stringify(del)).toBe(true);
      expect(textOf(r), JSON.stringify(del)).toMatch(/NOT RUN[\s\S]*This destroys disk volumes/);
    }
  });

  it('refuses NUL and other control characters in values, naming the parameter and the character', async () => {
    for (const [del, code] of [
      ['scsi1\u0000unused0', '0000'],
      ['unused0\u0000', '0000'],
      ['scsi1\u000bunused0', '000B'],
      ['scsi1\u001funused0', '001F'],
      ['scsi1\u0085unused0', '0085'],
    ] as const) {
      const r = await configPut(del, { confirm: 'x' });
      expect(r.isError, JSON.stringify(del)).toBe(true);
      expect(textOf(r)).toMatch(new RegExp(`'delete' holds the control character U\\+${code}`));
    }
    const after = await s.call('proxmox-api-read', { path: '/nodes/pve1/qemu/100/config' });
    expect(textOf(after)).not.toMatch(/^\s*$/);
  });

  it('refuses control characters in path parameters and in the path', async () => {
    const r1 = await s.call('proxmox-api-read', { path: '/nodes/{node}/qemu', pathParams: { node: 'pve1\u0000' } });
    expect(r1.isError).toBe(true);
    expect(textOf(r1)).toMatch(/control character U\+0000/);
    const r2 = await s.call('proxmox-api-read', { path: '/nodes/pve1%00/qemu' });
    expect(r2.isError).toBe(true);
    expect(textOf(r2)).toMatch(/control character U\+0000/);
  });
});

describe.skipIf(!haveCli)('without a schema, control characters are refused as well', () => {
  let s: McpSession;
  beforeAll(async () => {
    s = await startServer({ PROXMOX_SCHEMA_FILE: notASchemaFile() });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('refuses a NUL-separated delete and still holds the plain list for confirmation', async () => {
    const r = await s.call('proxmox-api', { path: '/nodes/pve1/qemu/100/config', method: 'PUT', params: { delete: 'scsi1\u0000unused0' } });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/'delete' holds the control character U\+0000/);
    const held = await s.call('proxmox-api', { path: '/nodes/pve1/qemu/100/config', method: 'PUT', params: { delete: 'scsi1;unused0' } });
    expect(textOf(held)).toMatch(/NOT RUN[\s\S]*This destroys disk volumes/);
  });
});

describe.skipIf(!haveCli || !existsSync(schema92))(`schema patterns cannot stall the server (needs ${schema92})`, () => {
  let s: McpSession;
  beforeAll(async () => {
    s = await startServer({ PROXMOX_SCHEMA_FILE: schema92 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers a hostile OCI reference at once and keeps answering', { timeout: 90_000 }, async () => {
    const hostile = ['a'.repeat(30) + '!', 'a-'.repeat(40) + 'A', 'a.'.repeat(25) + '_!', `${'a'.repeat(29)}\u00e9`];
    for (const reference of hostile) {
      const read = await s.call('proxmox-api-read', { path: '/nodes/pve1/query-oci-repo-tags', params: { reference } }, 20_000);
      expect(read.isError).toBe(true);
      expect(textOf(read)).toMatch(/'reference' does not match the pattern/);
      const pull = await s.call(
        'proxmox-api',
        { path: '/nodes/pve1/storage/local/oci-registry-pull', method: 'POST', params: { reference } },
        20_000,
      );
      expect(pull.isError).toBe(true);
      expect(textOf(pull)).toMatch(/'reference' does not match the pattern/);
    }
    const version = await s.call('proxmox-api-read', { path: '/version' }, 20_000);
    expect(version.isError).toBeFalsy();
  });
});
