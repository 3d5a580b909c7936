import { describe, expect, it } from 'vitest';
import { parseFilter, shapeRecords, ShapeError } from '../../src/output/shape.js';

const guests = [
  { vmid: 100, name: 'web-1', type: 'qemu', status: 'running', mem: 2048, tags: 'prod;web' },
  { vmid: 101, name: 'db-1', type: 'qemu', status: 'stopped', mem: 8192 },
  { vmid: 102, name: 'Web-2', type: 'lxc', status: 'running', mem: 512, tags: 'web' },
  { vmid: 103, name: 'cache', type: 'lxc', status: 'running', mem: 1024 },
];

describe('parseFilter', () => {
  it('parses every operator', () => {
    expect(parseFilter('status=running')).toMatchObject({ key: 'status', op: '=', value: 'running' });
    expect(parseFilter('status!=running')).toMatchObject({ key: 'status', op: '!=', value: 'running' });
    expect(parseFilter('name~WEB')).toMatchObject({ key: 'name', op: '~', value: 'WEB' });
    expect(parseFilter('mem>1000')).toMatchObject({ key: 'mem', op: '>', value: '1000' });
    expect(parseFilter('mem<=1024')).toMatchObject({ key: 'mem', op: '<=', value: '1024' });
    expect(parseFilter('description=a=b')).toMatchObject({ key: 'description', op: '=', value: 'a=b' });
    expect(parseFilter('tags=')).toMatchObject({ key: 'tags', op: '=', value: '' });
  });

  it('explains bad syntax', () => {
    expect(() => parseFilter('running')).toThrow(/key=value.*key~regex/);
    expect(() => parseFilter('=x')).toThrow(ShapeError);
    expect(() => parseFilter('mem>lots')).toThrow(/> needs a number/);
  });
});

describe('shapeRecords on lists', () => {
  it('filters, sorts, limits and picks fields in that order', () => {
    const out = shapeRecords(guests, { filter: ['status=running'], sort: '-mem', limit: 2, fields: ['vmid', 'mem'] });
    expect(out).toEqual({
      data: [
        { vmid: 100, mem: 2048 },
        { vmid: 103, mem: 1024 },
      ],
      matched: 3,
      total: 4,
    });
  });

  it('matches ~ as a case-insensitive pattern and combines filters with and', () => {
    const out = shapeRecords(guests, { filter: ['name~web', 'type=lxc'], fields: ['vmid'] });
    expect(out.data).toEqual([{ vmid: 102 }]);
  });

  it('treats a missing key as empty for = and != and as no match for comparisons', () => {
    expect(shapeRecords(guests, { filter: ['tags='], fields: ['vmid'] }).data).toEqual([{ vmid: 101 }, { vmid: 103 }]);
    expect(shapeRecords(guests, { filter: ['tags!='], fields: ['vmid'] }).data).toEqual([{ vmid: 100 }, { vmid: 102 }]);
    expect(shapeRecords(guests, { filter: ['mem<1000'], fields: ['vmid'] }).data).toEqual([{ vmid: 102 }]);
  });

  it('sorts numbers numerically, text naturally, and puts missing values last either way', () => {
    const rows = [{ n: 'vm10' }, { n: 'vm9' }, {}, { n: 'VM1' }];
    expect(shapeRecords(rows, { sort: 'n' }).data).toEqual([{ n: 'VM1' }, { n: 'vm9' }, { n: 'vm10' }, {}]);
    expect(shapeRecords(rows, { sort: '-n' }).data).toEqual([{ n: 'vm10' }, { n: 'vm9' }, { n: 'VM1' }, {}]);
    expect(shapeRecords([{ x: 10 }, { x: 9 }, { x: '100' }], { sort: 'x' }).data).toEqual([{ x: 9 }, { x: 10 }, { x: '100' }]);
  });

  it('keeps the fields a record has and notes the ones no record has, naming the keys there are', () => {
    const out = shapeRecords(guests, { fields: ['vmid', 'hostname', 'tags'] });
    expect(out.data).toEqual([{ vmid: 100, tags: 'prod;web' }, { vmid: 101 }, { vmid: 102, tags: 'web' }, { vmid: 103 }]);
    expect(out.note).toMatch(/no record has hostname; keys: mem, name, status, tags, type, vmid/);
    expect(out.note).not.toMatch(/tags;/);
  });

  it('treats a filter key no record has as empty and a sort key no record has as no order, with a note', () => {
    const f = shapeRecords(guests, { filter: ['state=running'], fields: ['vmid'] });
    expect(f.data).toEqual([]);
    expect(f.note).toMatch(/no record has state \(filter treats it as empty\); keys: .*status/);
    expect(shapeRecords(guests, { filter: ['state!=x'] }).matched).toBe(4);
    const s = shapeRecords(guests, { sort: '-uptime', fields: ['vmid'] });
    expect(s.data).toEqual([{ vmid: 100 }, { vmid: 101 }, { vmid: 102 }, { vmid: 103 }]);
    expect(s.note).toMatch(/no record has sort key uptime; order unchanged/);
  });

  it('reads ~ as a case-insensitive regular expression', () => {
    expect(shapeRecords(guests, { filter: ['name~^web-\\d$'], fields: ['vmid'] }).data).toEqual([{ vmid: 100 }, { vmid: 102 }]);
    expect(shapeRecords(guests, { filter: ['name~db|cache'], fields: ['vmid'] }).data).toEqual([{ vmid: 101 }, { vmid: 103 }]);
    expect(shapeRecords(guests, { filter: ['tags~(^|;)prod(;|$)'], fields: ['vmid'] }).data).toEqual([{ vmid: 100 }]);
  });

  it('explains a bad regular expression with the syntax, and runs hostile patterns in linear time', () => {
    expect(() => shapeRecords(guests, { filter: ['name~(web'] })).toThrow(/~ takes a regular expression.*missing closing/);
    expect(() => shapeRecords(guests, { filter: ['name~(?=web)'] })).toThrow(/RE2 syntax/);
    const rows = [{ s: 'a'.repeat(50_000) + '!' }];
    expect(shapeRecords(rows, { filter: ['s~^(a+)+$'] }).data).toEqual([]);
    expect(() => shapeRecords(rows, { filter: ['s~' + 'a'.repeat(600)] })).toThrow(/at most 500 characters/);
    expect(() => shapeRecords(rows, { filter: Array(21).fill('s=a') })).toThrow(/at most 20 conditions/);
  });

  it('compares sizes written with units as bytes', () => {
    const rows = [
      { id: 'a', maxmem: 2 * 2 ** 30 },
      { id: 'b', maxmem: 8 * 2 ** 30 },
      { id: 'c', maxmem: 512 * 2 ** 20 },
    ];
    expect(shapeRecords(rows, { filter: ['maxmem>=4G'], fields: ['id'] }).data).toEqual([{ id: 'b' }]);
    expect(shapeRecords(rows, { filter: ['maxmem<1GiB'], fields: ['id'] }).data).toEqual([{ id: 'c' }]);
    expect(shapeRecords(rows, { filter: ['maxmem>512MB'], fields: ['id'] }).data).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(() => shapeRecords(rows, { filter: ['maxmem>4 parsecs'] })).toThrow(/needs a number.*maxmem>4GiB/);
  });

  it('never reads Object.prototype through key names like __proto__ and constructor', () => {
    const rows = [{ a: 1 }, JSON.parse('{"a":2,"__proto__":{"x":1}}') as Record<string, unknown>];
    const out = shapeRecords(rows, { fields: ['a', '__proto__', 'constructor'], filter: ['constructor!=x'] });
    expect(out.data).toEqual([{ a: 1 }, { a: 2, ['__proto__']: { x: 1 } }]);
    expect(Object.getPrototypeOf((out.data as object[])[1])).toBe(Object.prototype);
    expect(JSON.stringify(out.data)).toBe('[{"a":1},{"a":2,"__proto__":{"x":1}}]');
    expect(out.note).toMatch(/no record has constructor/);
    expect(shapeRecords(rows, { filter: ['toString~function'] }).data).toEqual([]);
  });

  it('rejects a sort that names no key or several, showing the syntax', () => {
    expect(() => shapeRecords(guests, { sort: '-' })).toThrow(/"key" ascending or "-key" descending/);
    expect(() => shapeRecords(guests, { sort: 'mem,name' })).toThrow(/give one key/);
  });

  it('reports bad filter syntax even when the answer is not a list', () => {
    expect(() => shapeRecords({ a: 1 }, { filter: ['nonsense'] })).toThrow(/key=value.*key~regex.*all match/);
  });

  it('rejects a limit that is not a positive whole number', () => {
    expect(() => shapeRecords(guests, { limit: 0 })).toThrow(/limit/);
    expect(() => shapeRecords(guests, { limit: 1.5 })).toThrow(/limit/);
  });

  it('keeps an empty list empty without complaining about keys', () => {
    expect(shapeRecords([], { fields: ['x'], filter: ['x=1'] })).toEqual({ data: [], matched: 0, total: 0 });
  });
});

describe('shapeRecords on other data', () => {
  it('picks keys of a single object, including dotted paths into nested objects', () => {
    const status = { uptime: 5, cpuinfo: { cpus: 8, model: 'x' }, memory: { total: 1, used: 2 } };
    expect(shapeRecords(status, { fields: ['uptime', 'cpuinfo.cpus'] }).data).toEqual({ uptime: 5, 'cpuinfo.cpus': 8 });
    const lacking = shapeRecords(status, { fields: ['uptime', 'loadavg'] });
    expect(lacking.data).toEqual({ uptime: 5 });
    expect(lacking.note).toMatch(
      /not in this answer: loadavg \(PVE leaves out unset options and defaults; keys here: cpuinfo, memory, uptime\)/,
    );
  });

  it('passes scalars and plain lists through with a note instead of pretending to filter', () => {
    expect(shapeRecords('text', { filter: ['a=b'] })).toMatchObject({ data: 'text', note: expect.stringMatching(/not one/) });
    expect(shapeRecords(['a', 'b', 'c'], { limit: 2 })).toEqual({ data: ['a', 'b'], matched: 3, total: 3 });
    expect(shapeRecords(['a'], { filter: ['x=1'] }).note).toMatch(/plain values/);
    expect(shapeRecords(42, {})).toEqual({ data: 42 });
  });
});
