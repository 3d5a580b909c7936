import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/schema/catalog.js';
import { validateParams } from '../../src/schema/validate.js';
import { catalogFor, haveApidoc, missingNote } from './shared.js';

const tiny = Catalog.fromApidoc([
  {
    path: '/t/{node}',
    text: 't',
    info: {
      POST: {
        name: 't',
        description: 'T.',
        parameters: {
          additionalProperties: 0,
          properties: {
            node: { type: 'string' },
            name: { type: 'string', minLength: 2, maxLength: 5, pattern: '[a-z]+' },
            count: { type: 'integer', minimum: 1, maximum: 10, optional: 1 },
            ratio: { type: 'number', optional: 1 },
            flag: { type: 'boolean', optional: 1 },
            mode: { type: 'string', enum: ['fast', 'slow'], optional: 1 },
            tags: { type: 'array', items: { type: 'string' }, optional: 1 },
            after: { type: 'string', optional: 1, requires: 'count' },
          },
        },
      },
    },
  },
]);
const op = tiny.get('POST', '/t/{node}')!;

describe('validateParams', () => {
  it('converts valid input to wire form', () => {
    const r = validateParams(op, { name: 'abc', count: '3', ratio: 0.5, flag: true, mode: 'fast', tags: ['a', 'b'] });
    expect(r).toEqual({
      ok: true,
      errors: [],
      unchecked: [],
      params: { name: 'abc', count: '3', ratio: '0.5', flag: '1', mode: 'fast', tags: ['a', 'b'] },
    });
    for (const [given, wire] of [
      [false, '0'],
      [0, '0'],
      [1, '1'],
      ['1', '1'],
      ['0', '0'],
      ['true', '1'],
      ['false', '0'],
    ] as const) {
      expect(validateParams(op, { name: 'abc', flag: given }).params.flag).toBe(wire);
    }
    expect(validateParams(op, { name: 'abc', tags: 'one' }).params.tags).toEqual(['one']);
  });

  it('names each problem once, with the parameter', () => {
    const e = (params: Record<string, unknown>) => validateParams(op, params).errors;
    expect(e({})).toEqual(["missing required parameter 'name'"]);
    expect(e({ name: 'abc', cuont: 1 })).toEqual(["unknown parameter 'cuont'; did you mean 'count'?"]);
    expect(e({ name: 'abc', zzzzzzzzzz: 1 })[0]).toMatch(/^unknown parameter 'zzzzzzzzzz'; valid: name, count/);
    expect(e({ name: 'abc', count: 'many' })).toEqual([`'count' must be an integer, got "many"`]);
    expect(e({ name: 'abc', count: 2.5 })).toEqual([`'count' must be an integer, got 2.5`]);
    expect(e({ name: 'abc', count: 0 })).toEqual([`'count' must be >= 1, got 0`]);
    expect(e({ name: 'abc', count: 11 })).toEqual([`'count' must be <= 10, got 11`]);
    expect(e({ name: 'abc', ratio: 'x' })).toEqual([`'ratio' must be a number, got "x"`]);
    expect(e({ name: 'abc', flag: 'maybe' })).toEqual([`'flag' must be a boolean (true/false or 1/0), got "maybe"`]);
    expect(e({ name: 'abc', mode: 'medium' })).toEqual([`'mode' must be one of fast|slow, got "medium"`]);
    expect(e({ name: 'a' })).toEqual([`'name' must be at least 2 characters`]);
    expect(e({ name: 'abcdef' })).toEqual([`'name' must be at most 5 characters, got 6`]);
    expect(e({ name: 'AB1' })).toEqual([`'name' does not match the pattern [a-z]+`]);
    expect(e({ name: { a: 1 } })[0]).toMatch(/^'name' must be a string/);
    expect(e({ name: ['ab', 'cd'] })).toEqual([`'name' takes one string, not a list`]);
    expect(e({ name: 'abc', after: 'x' })).toEqual([`'after' requires 'count' as well`]);
    expect(e({ name: 'abc', node: 'pve1' })[0]).toMatch(/'node' is a path parameter/);
    const two = validateParams(op, { count: 0, mode: 'x' });
    expect(two.ok).toBe(false);
    expect(two.errors).toHaveLength(3);
    expect(two.params).toEqual({});
  });
});

describe.skipIf(!haveApidoc)(`validateParams on PVE 9.2 (${missingNote})`, () => {
  const c = haveApidoc ? catalogFor('9.2') : undefined!;
  const create = () => c.get('POST', '/nodes/{node}/qemu')!;
  const config = () => c.get('PUT', '/nodes/{node}/qemu/{vmid}/config')!;

  it('accepts indexed parameters and rejects malformed ones', () => {
    const ok = validateParams(create(), {
      vmid: 100,
      net0: 'virtio,bridge=vmbr0,firewall=1',
      net7: 'model=e1000,bridge=vmbr1',
      scsi12: 'local-lvm:32',
      ipconfig0: 'ip=dhcp',
      unused0: 'local:100/vm-100-disk-1.raw',
      sata5: 'local:iso/x.iso,media=cdrom',
    });
    expect(ok.errors).toEqual([]);
    expect(ok.params.vmid).toBe('100');
    expect(validateParams(create(), { vmid: 100, netx: 'virtio' }).errors[0]).toMatch(/^unknown parameter 'netx'; did you mean 'net0'/);
    expect(validateParams(create(), { vmid: 100, scsi31: 'local:1' }).errors).toEqual([`'scsi31': scsi[n] goes from scsi0 to scsi30`]);
    expect(validateParams(create(), { vmid: 100, net01: 'virtio' }).ok).toBe(false);
    const lxc = c.get('POST', '/nodes/{node}/lxc')!;
    expect(validateParams(lxc, { vmid: 200, ostemplate: 'local:vztmpl/debian.tar.zst', mp3: 'local-lvm:8,mp=/data' }).errors).toEqual([]);
  });

  it('checks property-string options without rejecting valid ones', () => {
    expect(validateParams(config(), { net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=20' }).errors).toEqual([]);
    expect(validateParams(config(), { net0: 'virtio,bridge=vmbr0,firewal=1' }).errors).toEqual([
      "'net0': unknown option 'firewal'; did you mean 'firewall'?",
    ]);
    expect(validateParams(config(), { net0: { model: 'virtio', bridge: 'vmbr0', firewall: true } }).params.net0).toBe(
      'model=virtio,bridge=vmbr0,firewall=1',
    );
    expect(validateParams(config(), { memory: 4096, cores: 2, delete: 'net1,scsi2' }).errors).toEqual([]);
  });

  it('suggests the parameter meant', () => {
    expect(validateParams(config(), { memroy: 2048 }).errors).toEqual(["unknown parameter 'memroy'; did you mean 'memory'?"]);
  });

  it('sends guest-agent exec commands as repeated keys', () => {
    const exec = c.get('POST', '/nodes/{node}/qemu/{vmid}/agent/exec')!;
    expect(validateParams(exec, { command: ['ls', '-l', '/'] }).params.command).toEqual(['ls', '-l', '/']);
  });
});
