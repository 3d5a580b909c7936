import { RE2JS } from 're2js';

/**
 * Lets a model ask for the part of a list answer it needs (filter, sort, limit, fields) so big answers
 * never have to be cut. Runs before the size budget, on the raw values (bytes, seconds, fractions).
 */

export interface ShapeOptions {
  fields?: string[];
  /** `key=value`, `key!=value`, `key~regex` (any case), `key>n`, `key<n`, `key>=n`, `key<=n`; all must match. */
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
  /** `~`: the compiled pattern (RE2: linear time whatever the pattern, so a model's regex cannot hang us). */
  regex?: RE2JS;
  /** Comparisons: the number, size suffixes (4G, 512MiB) already turned into bytes. */
  number?: number;
}

export interface Shaped {
  data: unknown;
  /** Records that passed the filter (before limit), for lists. */
  matched?: number;
  /** Records before shaping, for lists. */
  total?: number;
  /** What the model should know about how its shaping options applied (missing keys, nothing to act on). */
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
/** Bounds on model input: a filter list or pattern this long is a mistake, not a question. */
export const MAX_FILTERS = 20;
const MAX_FILTER_CHARS = 500;

export const FILTER_SYNTAX = 'key=value, key!=value, key~regex (any case), key>n, key<n, key>=n, key<=n; several filters must all match';

const SIZE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** A number, or a size such as 4G, 4GB, 4GiB, 512M (binary units, as PVE counts): sizes compare as bytes. */
export function parseQuantity(text: string): number | undefined {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(?:([kmgtp])(?:i?b)?|b)?$/i.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * SIZE_UNITS[(m[2] ?? '').toLowerCase()];
  return Number.isFinite(n) ? n : undefined;
}

function shown(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

export function parseFilter(expr: string): Filter {
  if (typeof expr !== 'string' || expr.length > MAX_FILTER_CHARS) {
    throw new ShapeError(`a filter is at most ${MAX_FILTER_CHARS} characters; use ${FILTER_SYNTAX}`);
  }
  const m = FILTER_RE.exec(expr);
  if (!m) throw new ShapeError(`filter "${shown(expr)}" is not valid: use ${FILTER_SYNTAX}, e.g. ["status=running", "name~^web"]`);
  const [, key, op, raw] = m;
  const value = raw.trim();
  const filter: Filter = { text: expr, key, op: op as FilterOp, value };
  if (NUMERIC_OPS.has(filter.op)) {
    filter.number = parseQuantity(value);
    if (filter.number === undefined) {
      throw new ShapeError(`filter "${shown(expr)}": ${op} needs a number after it, e.g. "${shown(key)}${op}100" or "maxmem${op}4GiB"`);
    }
  }
  if (filter.op === '~') {
    try {
      filter.regex = RE2JS.compile(value, RE2JS.CASE_INSENSITIVE);
    } catch (err) {
      throw new ShapeError(
        `filter "${shown(expr)}": ~ takes a regular expression (RE2 syntax, no lookaround or backreferences): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  return filter;
}

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A key, or a dotted path into nested objects (`cpuinfo.cpus`) when no key has that exact name. */
function lookup(row: Row, key: string): unknown {
  // Own keys only: `constructor` or `__proto__` must name a record's key or nothing, never Object's.
  if (Object.hasOwn(row, key)) return row[key];
  if (!key.includes('.')) return undefined;
  let cur: unknown = row;
  for (const part of key.split('.')) {
    if (!isRow(cur) || !Object.hasOwn(cur, part)) return undefined;
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
      return f.regex ? f.regex.matcher(asText(v)).find() : asText(v).toLowerCase().includes(f.value.toLowerCase());
    default: {
      const n = asNumber(v);
      if (n === undefined) return false;
      const target = f.number ?? Number(f.value);
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

const has = (rows: Row[], name: string) => rows.some((r) => lookup(r, name) !== undefined);

function keyList(rows: Row[]): string {
  const keys = knownKeys(rows).sort();
  return keys.slice(0, 60).join(', ') + (keys.length > 60 ? `, … (${keys.length} keys)` : '');
}

/** Keys no record has: not an error (PVE leaves out unset options and defaults), but worth a note. */
function absent(names: string[], rows: Row[]): string[] {
  if (rows.length === 0) return [];
  return [...new Set(names)].filter((n) => !has(rows, n));
}

function pick(row: Row, fields: string[]): Row {
  const out: Row = {};
  for (const f of fields) {
    const v = lookup(row, f);
    // defineProperty: a key named __proto__ becomes a plain key, not the object's prototype.
    if (v !== undefined) Object.defineProperty(out, f, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function checkFields(fields: string[] | undefined): string[] | undefined {
  if (fields === undefined) return undefined;
  if (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string'))
    throw new ShapeError('fields is a list of key names, e.g. ["vmid", "name", "status"]');
  const names = fields.map((f) => f.trim()).filter(Boolean);
  if (names.some((n) => n.length > 200)) throw new ShapeError('a field name is at most 200 characters');
  return names;
}

function parseSort(sort: string): { key: string; desc: boolean } {
  const spec = sort.trim();
  const desc = spec.startsWith('-');
  const key = desc ? spec.slice(1).trim() : spec.replace(/^\+/, '').trim();
  if (!key || /\s|,/.test(key))
    throw new ShapeError(`sort "${shown(sort)}" is not valid: give one key, "key" ascending or "-key" descending, e.g. "-mem"`);
  return { key, desc };
}

export function shapeRecords(data: unknown, opts: ShapeOptions): Shaped {
  const fields = checkFields(opts.fields);
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 1)) {
    throw new ShapeError(`limit must be a whole number of at least 1 (got ${shown(String(opts.limit))})`);
  }
  if (opts.filter !== undefined && (!Array.isArray(opts.filter) || opts.filter.length > MAX_FILTERS)) {
    throw new ShapeError(`filter is a list of at most ${MAX_FILTERS} conditions, e.g. ["status=running", "mem>1G"]: ${FILTER_SYNTAX}`);
  }
  // Bad syntax is reported whatever the answer turns out to be, so a mistake never passes silently.
  const filters = (opts.filter ?? []).map(parseFilter);
  const sort = opts.sort?.trim() ? parseSort(opts.sort) : undefined;

  if (isRow(data)) {
    const notes: string[] = [];
    if (filters.length || sort) notes.push('filter and sort apply to lists; this answer is one object');
    if (!fields?.length) return withNotes({ data }, notes);
    const missing = absent(fields, [data]);
    if (missing.length)
      notes.push(`not in this answer: ${missing.join(', ')} (PVE leaves out unset options and defaults; keys here: ${keyList([data])})`);
    return withNotes({ data: pick(data, fields) }, notes);
  }
  if (!Array.isArray(data)) {
    const asked = fields?.length || filters.length || sort || opts.limit !== undefined;
    return asked ? { data, note: 'fields, filter, sort and limit apply to lists of records; this answer is not one' } : { data };
  }
  const total = data.length;
  if (!data.every(isRow)) {
    const note =
      fields?.length || filters.length || sort
        ? 'fields, filter and sort apply to lists of records; this list holds plain values'
        : undefined;
    return withNotes({ data: opts.limit ? data.slice(0, opts.limit) : data, total, matched: total }, note ? [note] : []);
  }

  const rows = data as Row[];
  const notes: string[] = [];
  const unknownFilterKeys = absent(
    filters.map((f) => f.key),
    rows,
  );
  if (unknownFilterKeys.length)
    notes.push(`no record has ${unknownFilterKeys.join(', ')} (filter treats it as empty); keys: ${keyList(rows)}`);
  let out = filters.length ? rows.filter((r) => filters.every((f) => matchesFilter(r, f))) : rows;
  const matched = out.length;

  if (sort) {
    const { key, desc } = sort;
    if (absent([key], rows).length) {
      notes.push(`no record has sort key ${key}; order unchanged; keys: ${keyList(rows)}`);
    } else {
      out = [...out].sort((a, b) => {
        const va = lookup(a, key);
        const vb = lookup(b, key);
        const ma = va === undefined || va === null || va === '';
        const mb = vb === undefined || vb === null || vb === '';
        if (ma || mb) return ma === mb ? 0 : ma ? 1 : -1;
        return desc ? compareValues(vb, va) : compareValues(va, vb);
      });
    }
  }
  if (opts.limit !== undefined) out = out.slice(0, opts.limit);
  if (fields?.length) {
    const missing = absent(fields, rows);
    if (missing.length) notes.push(`no record has ${missing.join(', ')}; keys: ${keyList(rows)}`);
    out = out.map((r) => pick(r, fields));
  }
  return withNotes({ data: out, matched, total }, notes);
}

function withNotes(shaped: Shaped, notes: string[]): Shaped {
  return notes.length ? { ...shaped, note: notes.join('\n') } : shaped;
}
