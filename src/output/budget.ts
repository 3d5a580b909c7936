/**
 * Token estimates for the answer budget, without loading a tokenizer: the o200k/cl100k vocabularies cost
 * 130-450 ms to load at start-up. Characters / 4 is badly off for Proxmox answers: a table of byte counts
 * and uptimes runs at about 2.1 characters per token.
 *
 * The estimate follows how BPE tokenizers pre-split text (digits in runs of up to three, words, punctuation
 * runs, whitespace) and is then padded by 10%. test/output/budget.test.ts compares it with gpt-tokenizer's
 * counts on tables, JSON, prose, logs, non-Latin text and random strings.
 */

const PIECE = /\d{1,3}|[A-Za-z]+|[^\x00-\x7F]|\s+|[^\sA-Za-z\d\u{80}-\u{10FFFF}]+/gu;
const MARGIN = 1.1;

function pieceCost(s: string, next: string | undefined): number {
  const c = s.charCodeAt(0);
  if (c >= 48 && c <= 57) return 1;
  const lower = c | 32;
  if (lower >= 97 && lower <= 122) {
    // Random-looking mixed case (base64, ids) splits into short tokens; words and CamelCase do not.
    const mixed = /[a-z][A-Z]|[A-Z]{2}[a-z]/.test(s) && !/^[A-Z]?[a-z]+(?:[A-Z][a-z]+)*$/.test(s);
    if (mixed) return Math.ceil(s.length / 2.2);
    return s.length <= 8 ? 1 : Math.ceil(s.length / 5);
  }
  if (c >= 0x80) return c >= 0xd800 && c <= 0xdbff ? 2 : c >= 0x3000 ? 1.2 : 0.8;
  // A single space joins the next word or punctuation token, but not a number.
  if (s === ' ') return next !== undefined && next >= '0' && next <= '9' ? 1 : 0;
  if (/^\s/.test(s)) return 1;
  return Math.ceil(s.length / 2);
}

/** Estimated tokens in `text`, on the high side. */
export function estimateTokens(text: string): number {
  let n = 0;
  for (const m of text.matchAll(PIECE)) n += pieceCost(m[0], text[m.index + m[0].length]);
  return Math.ceil(n * MARGIN);
}

/**
 * The longest prefix of `text` (as a character index) estimated to fit `maxTokens`.
 * Never splits a surrogate pair, since pieces are whole code points.
 */
export function prefixWithin(text: string, maxTokens: number): number {
  const limit = maxTokens / MARGIN;
  let n = 0;
  let end = 0;
  for (const m of text.matchAll(PIECE)) {
    n += pieceCost(m[0], text[m.index + m[0].length]);
    if (n > limit) return end;
    end = m.index + m[0].length;
  }
  return text.length;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Model input quoted back in a message: enough to recognise it, never enough to flood the answer. */
export function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}… (${formatCount(text.length)} characters)` : text;
}
