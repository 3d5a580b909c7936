import { describe, expect, it } from 'vitest';
import {
  apiPath,
  decodeSegment,
  encodeSegment,
  fillTemplate,
  humanPath,
  isDotSegment,
  normalizePath,
  parseApiPath,
  placeholderName,
  placeholderNames,
  splitPath,
  strictDecodeSegment,
  wireValue,
} from '../../src/proxmox/path.js';

/**
 * Hostile segments as the model could write them in a path, and what each function of the path module makes
 * of them: a segment never becomes more than one, `.`/`..` is found however it is encoded, malformed escapes
 * stay as written, and nothing is decoded twice.
 */
const SEGMENTS: Array<{
  name: string;
  raw: string;
  decoded: string;
  strict: string | undefined;
  dot: boolean;
  reencoded: string;
  human: string;
}> = [
  { name: 'plain', raw: 'pve1', decoded: 'pve1', strict: 'pve1', dot: false, reencoded: 'pve1', human: 'pve1' },
  {
    name: 'encoded slash stays one segment',
    raw: 'local%3Aiso%2Fx.iso',
    decoded: 'local:iso/x.iso',
    strict: 'local:iso/x.iso',
    dot: false,
    reencoded: 'local%3Aiso%2Fx.iso',
    human: 'local%3Aiso%2Fx.iso',
  },
  {
    name: 'lower-case encoded slash',
    raw: 'a%2fb',
    decoded: 'a/b',
    strict: 'a/b',
    dot: false,
    reencoded: 'a%2Fb',
    human: 'a%2fb',
  },
  { name: 'dot-dot', raw: '..', decoded: '..', strict: '..', dot: true, reencoded: '..', human: '..' },
  { name: 'dot', raw: '.', decoded: '.', strict: '.', dot: true, reencoded: '.', human: '.' },
  { name: 'encoded dot-dot', raw: '%2e%2e', decoded: '..', strict: '..', dot: true, reencoded: '..', human: '..' },
  { name: 'mixed dot-dot', raw: '.%2E', decoded: '..', strict: '..', dot: true, reencoded: '..', human: '..' },
  {
    name: 'double-encoded dot-dot is decoded once',
    raw: '%252e%252e',
    decoded: '%2e%2e',
    strict: '%2e%2e',
    dot: false,
    reencoded: '%252e%252e',
    human: '%2e%2e',
  },
  {
    name: 'double-encoded slash is decoded once',
    raw: 'a%252Fb',
    decoded: 'a%2Fb',
    strict: 'a%2Fb',
    dot: false,
    reencoded: 'a%252Fb',
    human: 'a%2Fb',
  },
  {
    name: 'NUL',
    raw: 'pve1%00',
    decoded: 'pve1\u0000',
    strict: 'pve1\u0000',
    dot: false,
    reencoded: 'pve1%00',
    human: 'pve1\u0000',
  },
  {
    name: 'newline',
    raw: 'a%0Ab',
    decoded: 'a\nb',
    strict: 'a\nb',
    dot: false,
    reencoded: 'a%0Ab',
    human: 'a\nb',
  },
  {
    name: 'malformed escape',
    raw: '%zz',
    decoded: '%zz',
    strict: undefined,
    dot: false,
    reencoded: '%25zz',
    human: '%zz',
  },
  {
    name: 'lone surrogate escape',
    raw: '%ED%A0%80',
    decoded: '%ED%A0%80',
    strict: undefined,
    dot: false,
    reencoded: '%25ED%25A0%2580',
    human: '%ED%A0%80',
  },
  {
    name: 'prototype key',
    raw: '__proto__',
    decoded: '__proto__',
    strict: '__proto__',
    dot: false,
    reencoded: '__proto__',
    human: '__proto__',
  },
  {
    name: "characters encodeURIComponent leaves: !'()*",
    raw: "a!'()*",
    decoded: "a!'()*",
    strict: "a!'()*",
    dot: false,
    reencoded: 'a%21%27%28%29%2A',
    human: "a!'()*",
  },
  {
    name: 'query and fragment characters',
    raw: 'a%3Fb%23c',
    decoded: 'a?b#c',
    strict: 'a?b#c',
    dot: false,
    reencoded: 'a%3Fb%23c',
    human: 'a?b#c',
  },
];

describe('the path module reads every hostile segment one way', () => {
  it.each(SEGMENTS)('$name: $raw', ({ raw, decoded, strict, dot, reencoded, human }) => {
    expect(decodeSegment(raw)).toBe(decoded);
    expect(strictDecodeSegment(raw)).toBe(strict);
    expect(isDotSegment(raw)).toBe(dot);
    // Decoded and encoded again, a segment is one segment: no "/" and no "?" or "#" reaches the wire bare.
    const again = encodeSegment(decoded);
    expect(again).toBe(reencoded);
    expect(again).not.toMatch(/[/?#]/);
    expect(humanPath(`/nodes/${raw}/qemu`)).toBe(`/nodes/${human}/qemu`);
    // Filled into a template, a value is one segment, whatever it holds.
    const filled = fillTemplate('/nodes/{node}/qemu', { node: decoded });
    expect(splitPath(filled)).toHaveLength(3);
    expect(decodeSegment(splitPath(filled)[1])).toBe(decoded);
  });
});

describe('normalizePath', () => {
  it.each([
    ['/nodes/pve1/qemu', '/nodes/pve1/qemu'],
    ['nodes/pve1/qemu/', '/nodes/pve1/qemu'],
    ['  /nodes//pve1///qemu  ', '/nodes/pve1/qemu'],
    ['/api2/json/nodes/pve1', '/nodes/pve1'],
    ['api2/extjs/version', '/version'],
    ['/api2/json', '/'],
    ['/api2/jsonx/version', '/api2/jsonx/version'],
    ['/cluster/resources?type=vm', '/cluster/resources'],
    ['/version#x', '/version'],
    ['/', '/'],
    ['', '/'],
    ['/nodes/%2e%2e/access', '/nodes/%2e%2e/access'],
  ])('%j -> %j', (raw, normal) => {
    expect(normalizePath(raw)).toBe(normal);
  });
});

describe('parseApiPath', () => {
  it('splits off the query string into parameters, repeated names into lists', () => {
    const t = parseApiPath('/api2/json/cluster/resources/?type=vm&x=1&x=2');
    expect(t.path).toBe('/cluster/resources');
    expect({ ...t.query }).toEqual({ type: 'vm', x: ['1', '2'] });
    expect({ ...parseApiPath('/version').query }).toEqual({});
  });

  it('reads prototype names as plain parameter names', () => {
    const t = parseApiPath('/x?constructor=a&__proto__=b&toString=c&constructor=d');
    expect(Object.keys(t.query)).toEqual(['constructor', '__proto__', 'toString']);
    expect(t.query.constructor).toEqual(['a', 'd']);
    expect(Object.getOwnPropertyDescriptor(t.query, '__proto__')?.value).toBe('b');
  });
});

describe('templates', () => {
  it('fills placeholders from own keys only, so a prototype name is a missing parameter', () => {
    expect(fillTemplate('/nodes/{node}/qemu/{vmid}', { node: 'pve1', vmid: 100 })).toBe('/nodes/pve1/qemu/100');
    expect(() => fillTemplate('/x/{constructor}', {})).toThrow(/missing path parameter 'constructor'/);
    expect(() => fillTemplate('/x/{toString}', {})).toThrow(/missing path parameter 'toString'/);
    const own = JSON.parse('{"__proto__":"p"}') as Record<string, string>;
    expect(fillTemplate('/x/{__proto__}', own)).toBe('/x/p');
  });

  it('names placeholders', () => {
    expect(placeholderNames('/nodes/{node}/qemu/{vmid}/config')).toEqual(['node', 'vmid']);
    expect(placeholderName('{node}')).toBe('node');
    expect(placeholderName('node')).toBeUndefined();
    expect(placeholderName('{a}{b}')).toBeUndefined();
  });

  it('apiPath encodes each interpolated value as one segment', () => {
    const node = 'pve/../../access';
    expect(apiPath`/nodes/${node}/qemu/${100}/status`).toBe('/nodes/pve%2F..%2F..%2Faccess/qemu/100/status');
  });

  it('splits without empty segments or the query string', () => {
    expect(splitPath('//nodes//pve1/?x=/y')).toEqual(['nodes', 'pve1']);
    expect(splitPath('/')).toEqual([]);
  });
});

describe('values on the wire', () => {
  it.each([
    [true, '1'],
    [false, '0'],
    [0, '0'],
    [1.5, '1.5'],
    ['text', 'text'],
    ['', ''],
    [{ a: 1 }, '{"a":1}'],
    [[1, 2], '[1,2]'],
    [null, 'null'],
  ])('%j -> %j', (value, wire) => {
    expect(wireValue(value)).toBe(wire);
  });

  it('is the same in a path segment and in the parameters', async () => {
    const { encodeParams } = await import('../../src/proxmox/client.js');
    for (const v of [true, false, 7, 'a b']) {
      expect(encodeParams({ v }).get('v')).toBe(wireValue(v));
      expect(decodeSegment(apiPath`/${v as string}`.slice(1))).toBe(wireValue(v));
    }
  });
});
