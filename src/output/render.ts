import { estimateTokens, formatCount, prefixWithin } from './budget.js';

export interface RenderOptions {
  /** Answer budget in tokens. */
  maxTokens: number;
  /** What the model can do to get a smaller answer; named by the caller, who knows its parameters. */
  hint?: string;
}

export interface Rendered {
  text: string;
  truncated: boolean;
  /** Records (or keys, lines) shown when the answer had to be cut. */
  shown?: number;
  total?: number;
}

const DEFAULT_HINT = 'Narrow with filter, fields, sort, limit.';

type Row = Record<string, unknown>;

const isRow = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The text a model sees for an API answer: lists of records as a TSV table (header of all keys, one line per
 * record) when that is shorter than JSON, anything else as compact JSON, strings as they are. Answers over
 * the budget are cut at a record (key, line) boundary with a note saying how much was left out.
 */
export function renderData(data: unknown, opts: RenderOptions): Rendered {
  const hint = opts.hint?.trim() || DEFAULT_HINT;
  if (data === undefined) return { text: '', truncated: false };
  if (typeof data === 'string') return renderString(data, opts.maxTokens, hint);
  if (Array.isArray(data)) return renderArray(data, opts.maxTokens, hint);
  if (isRow(data)) return renderObject(data, opts.maxTokens, hint);
  return { text: JSON.stringify(data) ?? String(data), truncated: false };
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // Tabs and line breaks would break the table's shape.
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

function tableLines(rows: Row[]): { header: string; lines: string[] } {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) keys.add(k);
  const cols = [...keys];
  return { header: cols.map(cell).join('\t'), lines: rows.map((r) => cols.map((k) => cell(r[k])).join('\t')) };
}

function renderArray(items: unknown[], maxTokens: number, hint: string): Rendered {
  if (items.length === 0) return { text: '[]', truncated: false };
  const json = items.map((v) => JSON.stringify(v) ?? 'null');
  const jsonChars = json.reduce((n, s) => n + s.length + 1, 1);
  const noun = items.every(isRow) ? 'records' : 'items';
  if (noun === 'records') {
    const { header, lines } = tableLines(items as Row[]);
    const tableChars = lines.reduce((n, s) => n + s.length + 1, header.length);
    if (tableChars < jsonChars) return fitLines(header, lines, '', maxTokens, (shown) => leftOutNote(shown, items.length, noun, hint));
  }
  // JSON one element per line keeps the cut on an element boundary and stays readable.
  return fitLines(
    '[',
    json.map((s, i) => (i < json.length - 1 ? s + ',' : s)),
    ']',
    maxTokens,
    (shown) => leftOutNote(shown, items.length, noun, hint),
  );
}

function leftOutNote(shown: number, total: number, noun: string, hint: string): string {
  return `… ${formatCount(total - shown)} of ${formatCount(total)} ${noun} left out. ${hint}`;
}

/** Header, as many lines as fit, footer; the note (sized for the worst case) is reserved up front. */
function fitLines(header: string, lines: string[], footer: string, maxTokens: number, note: (shown: number) => string): Rendered {
  const whole = [header, ...lines, footer].filter((s) => s !== '').join('\n');
  const total = lines.length;
  if (estimateTokens(whole) <= maxTokens) return { text: whole, truncated: false };
  let room = maxTokens - estimateTokens(note(0)) - estimateTokens(header) - estimateTokens(footer) - 2;
  let shown = 0;
  while (shown < lines.length) {
    const cost = estimateTokens(lines[shown]) + 1;
    if (cost > room) break;
    room -= cost;
    shown++;
  }
  const kept = lines.slice(0, shown);
  // A JSON element keeps its trailing comma when cut; drop it so the part shown still parses.
  if (footer && kept.length) kept[kept.length - 1] = kept[kept.length - 1].replace(/,$/, '');
  const text = [header, ...kept, footer].filter((s) => s !== '').join('\n') + '\n' + note(shown);
  return { text, truncated: true, shown, total };
}

function renderObject(obj: Row, maxTokens: number, hint: string): Rendered {
  const text = JSON.stringify(obj);
  if (estimateTokens(text) <= maxTokens) return { text, truncated: false };
  const entries = Object.entries(obj);
  const note = (shown: number) => `… ${formatCount(entries.length - shown)} of ${formatCount(entries.length)} keys left out. ${hint}`;
  let room = maxTokens - estimateTokens(note(0)) - 2;
  const kept: string[] = [];
  for (const [k, v] of entries) {
    const part = `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`;
    const cost = estimateTokens(part) + 1;
    if (cost > room) break;
    room -= cost;
    kept.push(part);
  }
  if (kept.length === 0) {
    // One value alone is over the budget (a huge description, a file): cut the text itself.
    return renderString(text, maxTokens, hint);
  }
  return { text: `{${kept.join(',')}}\n${note(kept.length)}`, truncated: true, shown: kept.length, total: entries.length };
}

function renderString(text: string, maxTokens: number, hint: string): Rendered {
  if (estimateTokens(text) <= maxTokens) return { text, truncated: false };
  const totalLines = text.split('\n').length;
  const note = (chars: number, lines: number) =>
    `… cut: showing ${formatCount(lines)} of ${formatCount(totalLines)} lines (${formatCount(chars)} of ${formatCount(text.length)} characters). ${hint}`;
  const room = Math.max(0, maxTokens - estimateTokens(note(text.length, totalLines)) - 1);
  let end = prefixWithin(text, room);
  const lastBreak = text.lastIndexOf('\n', end);
  // Prefer a line boundary unless that would throw away most of what fits.
  if (lastBreak > end / 2) end = lastBreak;
  const shown = text.slice(0, end);
  const shownLines = shown === '' ? 0 : shown.split('\n').length;
  return { text: `${shown}\n${note(end, shownLines)}`, truncated: true, shown: shownLines, total: totalLines };
}
