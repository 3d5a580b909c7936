import { existsSync, readFileSync } from 'node:fs';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { estimateTokens, prefixWithin } from '../../src/output/budget.js';
import { renderData } from '../../src/output/render.js';
import { clusterResources, seededText } from './fixtures.js';
import { sharedPath } from '../reference-data.js';

const notes = sharedPath('pve-api-notes.md');
const rows = clusterResources(500);

const corpora: Record<string, { text: string; low: number; high: number }> = {
  // What answers look like: these must not be underestimated, or the budget would be exceeded.
  table: { text: renderData(rows, { maxTokens: 1e9 }).text, low: 1.0, high: 1.3 },
  json: { text: JSON.stringify(rows), low: 1.0, high: 1.3 },
  object: {
    text: JSON.stringify({
      cores: 4,
      memory: '8192',
      net0: 'virtio=BC:24:11:2E:4F:01,bridge=vmbr0,firewall=1',
      scsi0: 'local-lvm:vm-100-disk-0,iothread=1,size=32G',
      boot: 'order=scsi0;ide2;net0',
      digest: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    }),
    low: 1.0,
    high: 1.5,
  },
  log: {
    text: Array.from(
      { length: 200 },
      (_, i) =>
        `Jan 12 10:${String(i % 60).padStart(2, '0')}:01 pve1 pvedaemon[12${i}]: <root@pam> starting task UPID:pve1:0000${(4096 + i).toString(16)}:0012AB34:65A1B2C3:qmstart:${100 + i}:root@pam:`,
    ).join('\n'),
    low: 0.9,
    high: 1.3,
  },
  // Unusual text: the estimate may be off, but not wildly.
  base64: { text: Buffer.from(seededText(6000, 'abcdefghijklmnopqrstuvwxyz0123456789!?')).toString('base64'), low: 0.75, high: 1.6 },
  unicode: { text: 'Größe über 100 GiB – ünïcödé 日本語テキスト 🚀 '.repeat(100), low: 0.75, high: 1.8 },
};
if (existsSync(notes)) corpora.prose = { text: readFileSync(notes, 'utf8'), low: 0.9, high: 1.4 };

describe('estimateTokens', () => {
  it.each(Object.keys(corpora))('stays close to real tokenizers on %s', (name) => {
    const { text, low, high } = corpora[name];
    const est = estimateTokens(text);
    for (const [tokenizer, count] of [
      ['cl100k', cl100k(text)],
      ['o200k', o200k(text)],
    ] as const) {
      const ratio = est / count;
      expect(ratio, `${name}/${tokenizer}: estimate ${est}, real ${count}`).toBeGreaterThanOrEqual(low);
      expect(ratio, `${name}/${tokenizer}: estimate ${est}, real ${count}`).toBeLessThanOrEqual(high);
    }
  });

  it('is far above characters / 4 for number-heavy tables, which is why it exists', () => {
    const text = corpora.table.text;
    expect(estimateTokens(text)).toBeGreaterThan((text.length / 4) * 1.6);
  });

  it('counts nothing in nothing', () => {
    expect(estimateTokens('')).toBe(0);
  });
});

describe('prefixWithin', () => {
  it('returns the whole text when it fits and a prefix that fits otherwise', () => {
    const text = corpora.log.text;
    expect(prefixWithin('short', 100)).toBe(5);
    const end = prefixWithin(text, 300);
    expect(end).toBeGreaterThan(0);
    expect(end).toBeLessThan(text.length);
    expect(estimateTokens(text.slice(0, end))).toBeLessThanOrEqual(300);
    expect(estimateTokens(text.slice(0, end + 200))).toBeGreaterThan(300);
  });

  it('never splits a surrogate pair', () => {
    const text = '🚀'.repeat(1000);
    for (const budget of [1, 7, 50, 333]) expect(prefixWithin(text, budget) % 2).toBe(0);
  });
});
