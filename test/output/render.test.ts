import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { renderData } from '../../src/output/render.js';
import { shapeRecords } from '../../src/output/shape.js';
import { clusterResources } from './fixtures.js';

const HINT = 'Narrow with filter (e.g. "type=qemu", "name~web"), fields, sort, limit.';

function parseTable(text: string): { header: string[]; rows: string[][] } {
  const [head, ...rest] = text.split('\n');
  return { header: head.split('\t'), rows: rest.map((l) => l.split('\t')) };
}

describe('renderData on a 2,000-guest /cluster/resources', () => {
  const resources = clusterResources(2000);

  it('stays within a 4,000-token budget by real tokenizer counts and says how many were left out', () => {
    const out = renderData(resources, { maxTokens: 4000, hint: HINT });
    expect(out.truncated).toBe(true);
    expect(out.total).toBe(2000);
    expect(cl100k(out.text)).toBeLessThanOrEqual(4000);
    expect(o200k(out.text)).toBeLessThanOrEqual(4000);
    // Uses most of the budget rather than giving up early.
    expect(cl100k(out.text)).toBeGreaterThan(3000);
    const lines = out.text.split('\n');
    const note = lines.pop()!;
    expect(note).toBe(`… ${(2000 - out.shown!).toLocaleString('en-US')} of 2,000 records left out. ${HINT}`);
    expect(lines.length - 1).toBe(out.shown);
  });

  it('cuts on a record boundary: every row shown is a whole record, in order', () => {
    const out = renderData(resources, { maxTokens: 4000, hint: HINT });
    const body = out.text.split('\n').slice(0, -1).join('\n');
    const { header, rows } = parseTable(body);
    expect(header).toContain('vmid');
    rows.forEach((row, i) => {
      expect(row).toHaveLength(header.length);
      expect(row[header.indexOf('id')]).toBe(resources[i].id);
      expect(row[header.indexOf('netout')]).toBe(String(resources[i].netout));
    });
  });

  it('with filter, fields and limit returns exactly the records asked for, uncut', () => {
    const shaped = shapeRecords(resources, {
      filter: ['type=qemu', 'name~web', 'status=running'],
      sort: '-mem',
      fields: ['vmid', 'name', 'mem'],
      limit: 5,
    });
    const expected = resources
      .filter((r) => r.type === 'qemu' && String(r.name).includes('web') && r.status === 'running')
      .sort((a, b) => (b.mem as number) - (a.mem as number))
      .slice(0, 5);
    const out = renderData(shaped.data, { maxTokens: 4000, hint: HINT });
    expect(out.truncated).toBe(false);
    const { header, rows } = parseTable(out.text);
    expect(header).toEqual(['vmid', 'name', 'mem']);
    expect(rows).toEqual(expected.map((r) => [String(r.vmid), String(r.name), String(r.mem)]));
    expect(shaped.matched).toBe(
      resources.filter((r) => r.type === 'qemu' && String(r.name).includes('web') && r.status === 'running').length,
    );
  });
});

describe('renderData formats', () => {
  it('renders records as a table with the union of keys, empty cells for null and missing, nested values as JSON', () => {
    const out = renderData(
      [
        { a: 1, b: null, c: { x: [1, 2] } },
        { a: 2, d: 'tab\there\nnewline' },
      ],
      { maxTokens: 1000 },
    );
    expect(out).toEqual({ text: 'a\tb\tc\td\n1\t\t{"x":[1,2]}\t\n2\t\t\ttab\\there\\nnewline', truncated: false });
  });

  it('falls back to JSON when a table would be longer', () => {
    const sparse = Array.from({ length: 20 }, (_, i) => ({ [`key_number_${i}`]: i }));
    const out = renderData(sparse, { maxTokens: 10000 });
    expect(out.text.startsWith('[')).toBe(true);
    expect(JSON.parse(out.text)).toEqual(sparse);
  });

  it('renders objects and scalars as compact JSON and strings as they are', () => {
    expect(renderData({ a: 1, b: [true, null] }, { maxTokens: 100 }).text).toBe('{"a":1,"b":[true,null]}');
    expect(renderData(42, { maxTokens: 100 }).text).toBe('42');
    expect(renderData(null, { maxTokens: 100 }).text).toBe('null');
    expect(renderData('line 1\nline 2', { maxTokens: 100 }).text).toBe('line 1\nline 2');
    expect(renderData([], { maxTokens: 100 }).text).toBe('[]');
  });

  it('cuts a long list of plain values on an element boundary and keeps what is shown parseable', () => {
    const items = Array.from({ length: 3000 }, (_, i) => `local:iso/image-${i}.iso`);
    const out = renderData(items, { maxTokens: 500, hint: 'Use limit.' });
    expect(out.truncated).toBe(true);
    const lines = out.text.split('\n');
    const note = lines.pop()!;
    expect(note).toMatch(/^… [\d,]+ of 3,000 items left out\. Use limit\.$/);
    expect(JSON.parse(lines.join('\n'))).toEqual(items.slice(0, out.shown));
    expect(cl100k(out.text)).toBeLessThanOrEqual(500);
  });

  it('cuts a large object on a key boundary with a note', () => {
    const obj = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`unused${i}`, `local-lvm:vm-100-disk-${i}`]));
    const out = renderData(obj, { maxTokens: 300, hint: 'Ask for fields.' });
    expect(out.truncated).toBe(true);
    const [json, note] = out.text.split('\n');
    expect(Object.keys(JSON.parse(json))).toHaveLength(out.shown!);
    expect(note).toBe(`… ${400 - out.shown!} of 400 keys left out. Ask for fields.`);
    expect(cl100k(out.text)).toBeLessThanOrEqual(300);
  });

  it('cuts a long string at a line boundary and says how much is shown', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `line ${i}: some syslog text here`).join('\n');
    const out = renderData(text, { maxTokens: 400 });
    expect(out.truncated).toBe(true);
    const lines = out.text.split('\n');
    const note = lines.pop()!;
    expect(note).toMatch(/^… cut: showing [\d,]+ of 2,000 lines/);
    expect(lines).toEqual(text.split('\n').slice(0, lines.length));
    expect(cl100k(out.text)).toBeLessThanOrEqual(400);
  });

  it('cuts a single huge value inside an object as text', () => {
    const out = renderData({ description: 'x '.repeat(20000) }, { maxTokens: 200 });
    expect(out.truncated).toBe(true);
    expect(out.text).toMatch(/^\{"description":"x x x/);
    expect(cl100k(out.text)).toBeLessThanOrEqual(200);
  });
});
