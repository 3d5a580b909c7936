import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatTimestamp, formatValue, renderersOf, renderValues } from '../../src/output/values.js';
import { catalogFor, haveApidoc, missingNote } from '../schema/shared.js';

describe('value formats', () => {
  it('renders bytes in binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(8_375_186_227)).toBe('7.8 GiB');
    expect(formatBytes(77_628_063_744)).toBe('72.3 GiB');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1 MiB');
    expect(formatBytes(2 ** 70)).toBe('1024 EiB');
    expect(formatBytes(-2048)).toBe('-2 KiB');
  });

  it('renders durations in their two largest units', () => {
    expect(formatDuration(46_967)).toBe('13h 2m');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(303)).toBe('5m 3s');
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 59)).toBe('3d 4h');
    expect(formatDuration(86_400 + 30)).toBe('1d');
  });

  it('renders timestamps as ISO time, leaves 0 ("never") and impossible dates alone', () => {
    expect(formatTimestamp(1_764_424_054)).toBe('2025-11-29T13:47:34Z');
    expect(formatValue(1_764_424_054, 'timestamp')).toBe('2025-11-29T13:47:34Z');
    expect(formatValue(0, 'timestamp')).toBe(0);
    expect(formatValue(1e300, 'timestamp')).toBe(1e300);
    expect(formatValue(1_764_427_654, 'timestamp_gmt')).toBe('2025-11-29 14:47:34');
  });

  it('renders fractions as percentages and leaves non-numbers untouched', () => {
    expect(formatValue(0.0331, 'fraction_as_percentage')).toBe('3.3%');
    expect(formatValue(1, 'fraction_as_percentage')).toBe('100%');
    expect(formatValue('n/a', 'bytes')).toBe('n/a');
    expect(formatValue(null, 'duration')).toBe(null);
    expect(formatValue(Number.NaN, 'bytes')).toBe(Number.NaN);
  });
});

describe('renderer hints from the schema', () => {
  const listReturns = {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        mem: { type: 'integer', renderer: 'bytes' },
        uptime: { renderer: 'duration' },
        cpu: { renderer: 'fraction_as_percentage' },
        name: { type: 'string' },
        odd: { renderer: 'yaml' },
      },
    },
  };

  it('reads the hints of list items and of single objects, and only the renderers it knows', () => {
    expect([...renderersOf(listReturns)]).toEqual([
      ['mem', 'bytes'],
      ['uptime', 'duration'],
      ['cpu', 'fraction_as_percentage'],
    ]);
    expect([...renderersOf({ type: 'object', properties: { time: { renderer: 'timestamp' } } })]).toEqual([['time', 'timestamp']]);
    expect(renderersOf(undefined).size).toBe(0);
    expect(renderersOf({ type: 'string' }).size).toBe(0);
    expect(renderersOf({ type: 'array', items: 'x' }).size).toBe(0);
  });

  it('renders a copy and leaves the raw data as it was', () => {
    const raw = [{ name: 'web', mem: 8_375_186_227, uptime: 46_967, cpu: 0.0331 }, { name: 'off', mem: 0 }, 'odd'];
    const before = JSON.stringify(raw);
    const shown = renderValues(raw, renderersOf(listReturns));
    expect(shown).toEqual([{ name: 'web', mem: '7.8 GiB', uptime: '13h 2m', cpu: '3.3%' }, { name: 'off', mem: '0 B' }, 'odd']);
    expect(JSON.stringify(raw)).toBe(before);
    expect(renderValues({ mem: 1024 }, renderersOf(listReturns))).toEqual({ mem: '1 KiB' });
    expect(renderValues(42, renderersOf(listReturns))).toBe(42);
  });

  it('reads what a number counts from its description when the schema gives no hint, and renders nested records', () => {
    // As PVE 9.2 describes a node's status: no hints, but "in bytes" and a nested memory record.
    const status = {
      type: 'object',
      properties: {
        uptime: { type: 'integer' },
        memory: { type: 'object', properties: { total: { type: 'integer', description: 'The total memory in bytes.' } } },
        rootfs: { type: 'object', properties: { avail: { type: 'integer', description: 'The available bytes in the root filesystem.' } } },
        cpuinfo: { type: 'object', properties: { cores: { type: 'integer', description: 'The number of physical cores of the CPU.' } } },
        expire: { type: 'integer', description: "Account expiration date (seconds since epoch). '0' means no expiration" },
        ctime: { type: 'integer', description: 'Creation time (seconds since the UNIX Epoch).' },
        time: { type: 'integer', description: 'Seconds since 1970-01-01 00:00:00 UTC.' },
        localtime: { type: 'integer', description: 'Seconds since 1970-01-01 00:00:00 (local time)' },
        pressure: { type: 'number', description: 'CPU Some pressure stall average over the last 10 seconds.' },
        bwlimit: { type: 'integer', description: 'Limit of I/O bandwidth in bytes per second.' },
        name: { type: 'string', description: 'The name in bytes' },
        disks: {
          type: 'array',
          items: { type: 'object', properties: { size: { type: 'integer', description: 'The size of the disk in bytes.' } } },
        },
      },
    };
    const raw = {
      uptime: 1_036_800,
      memory: { total: 68_719_476_736, extra: 1 },
      rootfs: { avail: 1024 },
      cpuinfo: { cores: 8 },
      expire: 0,
      ctime: 1_700_000_000,
      time: 1_700_000_000,
      localtime: 1_700_003_600,
      pressure: 0.42,
      bwlimit: 1_048_576,
      name: 'x',
      disks: [{ size: 2048 }, 'odd'],
    };
    const before = JSON.stringify(raw);
    expect(renderValues(raw, renderersOf(status))).toEqual({
      uptime: '12d',
      memory: { total: '64 GiB', extra: 1 },
      rootfs: { avail: '1 KiB' },
      cpuinfo: { cores: 8 },
      expire: 0,
      ctime: '2023-11-14T22:13:20Z',
      time: '2023-11-14T22:13:20Z',
      // A local wall-clock time shifted into the epoch number is no instant in UTC: left as sent.
      localtime: 1_700_003_600,
      pressure: 0.42,
      bwlimit: 1_048_576,
      name: 'x',
      disks: [{ size: '2 KiB' }, 'odd'],
    });
    expect(JSON.stringify(raw)).toBe(before);
    // Records four deep are rendered and deeper ones shown as sent; so is a value of another shape than its schema.
    const leaf = { type: 'integer', description: 'in bytes' };
    const nest = (depth: number): object => (depth === 0 ? leaf : { type: 'object', properties: { x: nest(depth - 1) } });
    const value = (depth: number): unknown => (depth === 0 ? 1024 : { x: value(depth - 1) });
    expect(renderValues(value(5), renderersOf(nest(5)))).toEqual(value(5));
    expect(JSON.stringify(renderValues(value(4), renderersOf(nest(4))))).toBe('{"x":{"x":{"x":{"x":"1 KiB"}}}}');
    expect(renderValues({ memory: 'lots', disks: 7 }, renderersOf(status))).toEqual({ memory: 'lots', disks: 7 });
  });

  it('keeps a __proto__ key a plain key', () => {
    const row = JSON.parse('{"__proto__":5,"mem":2048}') as Record<string, unknown>;
    const shown = renderValues(
      [row],
      new Map([
        ['__proto__', 'bytes'],
        ['mem', 'bytes'],
      ]),
    ) as Array<Record<string, unknown>>;
    expect(Object.getPrototypeOf(shown[0])).toBe(Object.prototype);
    expect(JSON.stringify(shown[0])).toBe('{"__proto__":"5 B","mem":"2 KiB"}');
  });
});

describe.skipIf(!haveApidoc)(`renderer hints of the real PVE 9.2 schema (${missingNote})`, () => {
  it('finds bytes, durations, percentages and timestamps where PVE declares them', () => {
    const catalog = catalogFor('9.2');
    const resources = renderersOf(catalog.get('GET', '/cluster/resources')?.returns);
    expect(resources.get('maxmem')).toBe('bytes');
    expect(resources.get('uptime')).toBe('duration');
    expect(resources.get('cpu')).toBe('fraction_as_percentage');
    expect(renderersOf(catalog.get('GET', '/nodes/{node}/tasks')?.returns).get('starttime')).toBe('timestamp');
    expect(renderersOf(catalog.get('GET', '/nodes/{node}/storage')?.returns).get('used_fraction')).toBe('fraction_as_percentage');
    expect(renderersOf(catalog.get('GET', '/nodes/{node}/time')?.returns).get('localtime')).toBe('timestamp_gmt');
  });
});
