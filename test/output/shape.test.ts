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
    expect(() => parseFilter('running')).toThrow(/key=value.*key~text/);
    expect(() => parseFilter('=x')).toThrow(ShapeError);
    expect(() => parseFilter('mem>lots')).toThrow(/> needs a number/);
  });
});

describe('shapeRecords on lists', () => {
  it('filters, sorts, limits and picks fields in that order', () => {
    const out = shapeRecords(guests, { filter: ['status=running'], sort: '-mem', limit: 2, fields: ['vmid', 'mem'] });
    expect(out).toEqual({ data: [{ vmid: 100, mem: 2048 }, { vmid: 103, mem: 1024 }], matched: 3, total: 4 });
  });

  it('matches ~ as a case-insensitive substring and combines filters with and', () => {
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

  it('names the available keys when a field, filter or sort key is unknown', () => {
    expect(() => shapeRecords(guests, { fields: ['vmid', 'hostname'] })).toThrow(/unknown field "hostname".*mem, name, status, tags, type, vmid/);
    expect(() => shapeRecords(guests, { filter: ['state=running'] })).toThrow(/unknown filter key "state"/);
    expect(() => shapeRecords(guests, { sort: '-uptime' })).toThrow(/unknown sort key "uptime"/);
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
    expect(() => shapeRecords(status, { fields: ['loadavg'] })).toThrow(/unknown field "loadavg".*cpuinfo, memory, uptime/);
  });

  it('passes scalars and plain lists through with a note instead of pretending to filter', () => {
    expect(shapeRecords('text', { filter: ['a=b'] })).toMatchObject({ data: 'text', note: expect.stringMatching(/not one/) });
    expect(shapeRecords(['a', 'b', 'c'], { limit: 2 })).toEqual({ data: ['a', 'b'], matched: 3, total: 3 });
    expect(shapeRecords(['a'], { filter: ['x=1'] }).note).toMatch(/plain values/);
    expect(shapeRecords(42, {})).toEqual({ data: 42 });
  });
});
