/**
 * Values for people: PVE's schema marks what a number means with a `renderer` hint on the returned
 * property (`bytes`, `duration`, `timestamp`, `timestamp_gmt`, `fraction_as_percentage`), as its own GUI
 * uses them. The text a model reads shows `7.8 GiB` rather than 8375186227, so it never does the
 * arithmetic (and never gets it wrong); `structuredContent`, filters and sorting keep the raw numbers.
 */

export type Renderer = 'bytes' | 'duration' | 'timestamp' | 'timestamp_gmt' | 'fraction_as_percentage';

const KNOWN = new Set<string>(['bytes', 'duration', 'timestamp', 'timestamp_gmt', 'fraction_as_percentage']);

/**
 * Property name -> renderer, for the records an operation returns (a list of them, or one object); an
 * object-valued property (`memory` of a node's status) has its own map.
 */
export type Renderers = ReadonlyMap<string, Renderer | Renderers>;

type Row = Record<string, unknown>;
const isRow = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How deep nested records are rendered: deeper ones are shown as the node sent them. */
const MAX_NESTING = 3;

/**
 * The schema's hint, or, for a number without one, what its description says it counts: many returned
 * properties are described "The total memory in bytes." or "seconds since the UNIX epoch" but carry no
 * hint. Durations are left to hints (and `uptime`): "seconds" also describes averages, delays and rates.
 */
function rendererOf(name: string, schema: Row): Renderer | undefined {
  if (typeof schema.renderer === 'string') return KNOWN.has(schema.renderer) ? (schema.renderer as Renderer) : undefined;
  if (schema.type !== 'integer' && schema.type !== 'number') return undefined;
  const said = typeof schema.description === 'string' ? schema.description : '';
  // Also "Seconds since 1970-01-01 00:00:00 UTC." (not the same words "(local time)": that is no UTC instant).
  if (
    /\b(seconds )?since (the )?(beginning of the )?(unix )?epoch\b|\bunix (timestamp|time)\b|\bsince 1970-01-01( 00:00:00)? UTC\b/i.test(
      said,
    )
  )
    return 'timestamp';
  if (/\bbytes\b/i.test(said) && !/\bper (second|sec)\b|\/s\b|\brate\b|\blimit\b/i.test(said)) return 'bytes';
  if (name === 'uptime') return 'duration';
  return undefined;
}

function renderersOfProperties(props: unknown, depth: number): Map<string, Renderer | Renderers> {
  const out = new Map<string, Renderer | Renderers>();
  if (!isRow(props)) return out;
  for (const [name, schema] of Object.entries(props)) {
    if (!isRow(schema)) continue;
    const renderer = rendererOf(name, schema);
    if (renderer) {
      out.set(name, renderer);
      continue;
    }
    if (depth >= MAX_NESTING) continue;
    const holder = schema.type === 'array' && isRow(schema.items) ? schema.items : schema;
    const nested = renderersOfProperties(holder.properties, depth + 1);
    if (nested.size) out.set(name, nested);
  }
  return out;
}

/** The renderers of an operation's `returns`: the properties of its items (lists) or of itself (objects). */
export function renderersOf(returns: unknown): Renderers {
  if (!isRow(returns)) return new Map();
  const holder = returns.type === 'array' && isRow(returns.items) ? returns.items : returns;
  return renderersOfProperties(holder.properties, 0);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

function oneDecimal(n: number): string {
  return n.toFixed(1).replace(/\.0$/, '');
}

export function formatBytes(n: number): string {
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  let unit = 0;
  // 1023.96 KiB would print as "1024 KiB": move up once the rounded value reaches the next unit.
  while (unit < BYTE_UNITS.length - 1 && Number(v.toFixed(1)) >= 1024) {
    v /= 1024;
    unit++;
  }
  return unit === 0 ? `${sign}${Math.round(v)} B` : `${sign}${oneDecimal(v)} ${BYTE_UNITS[unit]}`;
}

/** The two largest units, as PVE's GUI shows an uptime: `3d 4h`, `13h 2m`, `5m 3s`, `42s`. */
export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let s = Math.round(Math.abs(seconds));
  const parts: Array<[number, string]> = [];
  for (const [size, unit] of [
    [86_400, 'd'],
    [3600, 'h'],
    [60, 'm'],
    [1, 's'],
  ] as const) {
    parts.push([Math.floor(s / size), unit]);
    s %= size;
  }
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0s';
  return (
    sign +
    parts
      .slice(first, first + 2)
      .filter(([n], i) => i === 0 || n > 0)
      .map(([n, u]) => `${n}${u}`)
      .join(' ')
  );
}

/** Seconds since the epoch as ISO time in UTC, to the second. */
export function formatTimestamp(seconds: number): string | undefined {
  const d = new Date(seconds * 1000);
  if (!Number.isFinite(d.getTime())) return undefined;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function formatValue(value: unknown, renderer: Renderer): unknown {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value;
  switch (renderer) {
    case 'bytes':
      return formatBytes(value);
    case 'duration':
      return formatDuration(value);
    case 'timestamp':
      // 0 is how PVE says "never" or "not yet"; a date in 1970 would mislead.
      return value === 0 ? value : (formatTimestamp(value) ?? value);
    case 'timestamp_gmt': {
      // The node's local wall-clock time, shifted into the epoch number: no time zone to name.
      const iso = value === 0 ? undefined : formatTimestamp(value);
      return iso ? iso.replace('T', ' ').replace(/Z$/, '') : value;
    }
    case 'fraction_as_percentage':
      return `${oneDecimal(value * 100)}%`;
  }
}

function renderRow(row: Row, renderers: Renderers): Row {
  let out: Row | undefined;
  for (const [key, renderer] of renderers) {
    if (!Object.hasOwn(row, key)) continue;
    const shown = typeof renderer === 'string' ? formatValue(row[key], renderer) : renderValues(row[key], renderer);
    if (shown === row[key]) continue;
    out ??= { ...row };
    Object.defineProperty(out, key, { value: shown, enumerable: true, writable: true, configurable: true });
  }
  return out ?? row;
}

/** A copy of `data` with hinted values rendered for reading; the input is never changed. */
export function renderValues(data: unknown, renderers: Renderers): unknown {
  if (renderers.size === 0) return data;
  if (Array.isArray(data)) return data.map((item) => (isRow(item) ? renderRow(item, renderers) : item));
  if (isRow(data)) return renderRow(data, renderers);
  return data;
}
