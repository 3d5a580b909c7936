/**
 * Lets a model ask for the part of a list answer it needs (filter, sort, limit, fields) so big answers
 * never have to be cut. Runs before the size budget.
 */

export interface ShapeOptions {
  fields?: string[];
  /** `key=value`, `key!=value`, `key~text` (contains, any case), `key>n`, `key<n`, `key>=n`, `key<=n`. */
  filter?: string[];
  /** `key` ascending or `-key` descending. */
  sort?: string;
  limit?: number;
}

export type FilterOp = '=' | '!=' | '~' | '>' | '<' | '>=' | '<=';

export interface Filter {
  text: string;
  key: string;
  op: FilterOp;
  value: string;
}

export interface Shaped {
  data: unknown;
  /** Records that passed the filter (before limit), for lists. */
  matched?: number;
  /** Records before shaping, for lists. */
  total?: number;
  /** Set when shaping options had nothing to act on. */
  note?: string;
}

/** Bad shaping input; the message is meant for the model as it stands. */
export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

type Row = Record<string, unknown>;

const FILTER_RE = /^\s*([^=!~<>\s][^=!~<>]*?)\s*(!=|>=|<=|=|~|>|<)(.*)$/s;
const NUMERIC_OPS = new Set<FilterOp>(['>', '<', '>=', '<=']);

export function parseFilter(expr: string): Filter {
  const m = FILTER_RE.exec(expr);
  if (!m) {
    throw new ShapeError(
      `filter "${expr}" is not valid: use key=value, key!=value, key~text (contains, any case), key>n, key<n, key>=n or key<=n`,
    );
  }
  const [, key, op, raw] = m;
  const value = raw.trim();
  if (NUMERIC_OPS.has(op as FilterOp) && (value === '' || !Number.isFinite(Number(value)))) {
    throw new ShapeError(`filter "${expr}": ${op} needs a number after it, e.g. "${key}${op}100"`);
  }
  return { text: expr, key, op: op as FilterOp, value };
}

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A key, or a dotted path into nested objects (`cpuinfo.cpus`) when no key has that exact name. */
function lookup(row: Row, key: string): unknown {
  if (key in row) return row[key];
  if (!key.includes('.')) return undefined;
  let cur: unknown = row;
  for (const part of key.split('.')) {
    if (!isRow(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function matchesFilter(row: Row, f: Filter): boolean {
  const v = lookup(row, f.key);
  switch (f.op) {
    case '=':
      return asText(v) === f.value;
    case '!=':
      return asText(v) !== f.value;
    case '~':
      return asText(v).toLowerCase().includes(f.value.toLowerCase());
    default: {
      const n = asNumber(v);
      if (n === undefined) return false;
      const target = Number(f.value);
      return f.op === '>' ? n > target : f.op === '<' ? n < target : f.op === '>=' ? n >= target : n <= target;
    }
  }
}

function compareValues(a: unknown, b: unknown): number {
  // Missing values sort last whatever the direction is, so they never crowd out real ones at the top.
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  return asText(a).localeCompare(asText(b), 'en', { numeric: true, sensitivity: 'base' });
}

function knownKeys(rows: Row[]): string[] {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) keys.add(k);
  return [...keys];
}

function checkKeys(names: string[], rows: Row[], what: string): void {
  if (rows.length === 0) return;
  const known = knownKeys(rows);
  const has = (name: string) => known.includes(name) || (name.includes('.') && rows.some((r) => lookup(r, name) !== undefined));
  const unknown = names.filter((n) => !has(n));
  if (unknown.length) {
    const list = known.sort().slice(0, 80).join(', ');
    throw new ShapeError(`unknown ${what} ${unknown.map((u) => `"${u}"`).join(', ')}; the records have: ${list}`);
  }
}

function pick(row: Row, fields: string[]): Row {
  const out: Row = {};
  for (const f of fields) {
    const v = lookup(row, f);
    if (v !== undefined) out[f] = v;
  }
  return out;
}

export function shapeRecords(data: unknown, opts: ShapeOptions): Shaped {
  const fields = opts.fields?.map((f) => f.trim()).filter(Boolean);
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 1)) {
    throw new ShapeError(`limit must be a whole number of at least 1 (got ${opts.limit})`);
  }
  if (isRow(data)) {
    if (opts.filter?.length || opts.sort) {
      return { data: fields?.length ? pickChecked(data, fields) : data, note: 'filter and sort apply to lists; this answer is one object' };
    }
    return { data: fields?.length ? pickChecked(data, fields) : data };
  }
  if (!Array.isArray(data)) {
    const asked = fields?.length || opts.filter?.length || opts.sort || opts.limit !== undefined;
    return asked ? { data, note: 'fields, filter, sort and limit apply to lists of records; this answer is not one' } : { data };
  }
  const total = data.length;
  if (!data.every(isRow)) {
    if (fields?.length || opts.filter?.length || opts.sort) {
      return {
        data: opts.limit ? data.slice(0, opts.limit) : data,
        total,
        matched: total,
        note: 'fields, filter and sort apply to lists of records; this list holds plain values',
      };
    }
    return { data: opts.limit ? data.slice(0, opts.limit) : data, total, matched: total };
  }

  const rows = data as Row[];
  const filters = (opts.filter ?? []).map(parseFilter);
  checkKeys(filters.map((f) => f.key), rows, 'filter key');
  let out = filters.length ? rows.filter((r) => filters.every((f) => matchesFilter(r, f))) : rows;
  const matched = out.length;

  if (opts.sort?.trim()) {
    const spec = opts.sort.trim();
    const desc = spec.startsWith('-');
    const key = desc ? spec.slice(1).trim() : spec.replace(/^\+/, '').trim();
    if (!key) throw new ShapeError(`sort "${opts.sort}" names no key: use "key" or "-key"`);
    checkKeys([key], rows, 'sort key');
    out = [...out].sort((a, b) => {
      const va = lookup(a, key);
      const vb = lookup(b, key);
      const ma = va === undefined || va === null || va === '';
      const mb = vb === undefined || vb === null || vb === '';
      if (ma || mb) return ma === mb ? 0 : ma ? 1 : -1;
      return desc ? compareValues(vb, va) : compareValues(va, vb);
    });
  }
  if (opts.limit !== undefined) out = out.slice(0, opts.limit);
  if (fields?.length) {
    checkKeys(fields, rows, 'field');
    out = out.map((r) => pick(r, fields));
  }
  return { data: out, matched, total };
}

function pickChecked(row: Row, fields: string[]): Row {
  checkKeys(fields, [row], 'field');
  return pick(row, fields);
}
