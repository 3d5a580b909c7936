// API paths in one place: how a path is normalised and split into segments, how a segment is decoded and
// encoded, which segments are refused, how templates are filled, how a path is shown to a person, and how a
// value is written on the wire. The schema, the safety rules and the tools all read paths through these, so
// a path that one of them checks is the path another one sends.

/** `/api2/json` or `/api2/extjs` in front of an API path: the request prefix, not part of the path. */
const API_PREFIX = /^\/?api2\/(json|extjs)(?=\/|$)/;

/**
 * The API path a model or a rule names, in one spelling: without a query string or fragment, without the
 * `/api2/json` prefix, with one leading slash, no doubled slashes and no trailing slash (`nodes/pve1/` → `/nodes/pve1`).
 */
export function normalizePath(raw: string): string {
  let path = raw.trim().split(/[?#]/, 1)[0].replace(API_PREFIX, '');
  if (!path.startsWith('/')) path = '/' + path;
  path = path.replace(/\/{2,}/g, '/');
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** What a path names: the API path, and the parameters of any query string written into it. */
export interface ApiTarget {
  path: string;
  query: Record<string, string | string[]>;
}

/** `/cluster/resources?type=vm` → the normalised path and `{type: 'vm'}`; a name given twice becomes a list. */
export function parseApiPath(text: string): ApiTarget {
  const [pathPart, queryPart = ''] = text.split(/\?(.*)/s, 2);
  // No prototype: `?__proto__=x` and `?constructor=x` are parameters like any other.
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(queryPart)) {
    const seen = Object.hasOwn(query, key) ? query[key] : undefined;
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return { path: normalizePath(pathPart), query };
}

/** Segments of a path, without empty ones (leading, trailing and doubled slashes) and without its query string. */
export function splitPath(path: string): string[] {
  return path
    .split('?')[0]
    .split('/')
    .filter((s) => s !== '');
}

/** A `{name}` segment of a template: the name, else undefined. */
export function placeholderName(segment: string): string | undefined {
  return /^\{([^}]+)\}$/.exec(segment)?.[1];
}

/** The names of a template's `{name}` placeholders, in order. */
export function placeholderNames(template: string): string[] {
  return [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
}

/** A percent-decoded segment; malformed escapes (`%zz`) are kept as written, so they can only match themselves. */
export function decodeSegment(segment: string): string {
  return strictDecodeSegment(segment) ?? segment;
}

/** A percent-decoded segment, or undefined when its escapes are malformed. */
export function strictDecodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * `.` or `..`, also percent-encoded (`%2e%2e`): the URL parser would resolve it away after a check, so a
 * path holding one could reach a path no rule was asked about.
 */
export function isDotSegment(segment: string): boolean {
  const decoded = decodeSegment(segment);
  return decoded === '.' || decoded === '..';
}

/** encodeURIComponent, plus the characters it leaves alone that mean something in a path. */
export function encodeSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * A value as Proxmox reads it on the wire, in a path segment, a query string or a form body alike:
 * booleans as 1/0 (what PVE's schema accepts), objects as JSON, everything else as its string.
 */
export function wireValue(value: unknown): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Builds API paths with every interpolated value percent-encoded as one segment, so a model-supplied
 * `node` of `pve/../../access` or a volume id `local:iso/x.iso` can never change which path is called.
 *
 *   apiPath`/nodes/${node}/qemu/${vmid}/status/current`
 */
export function apiPath(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0];
  values.forEach((value, i) => {
    out += encodeSegment(wireValue(value)) + strings[i + 1];
  });
  return out;
}

/** Fills `{name}` placeholders of a path template, encoding each value as one segment. */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    // Own names only: a placeholder called {constructor} must not find Object.prototype's.
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) throw new Error(`missing path parameter '${name}'`);
    return encodeSegment(wireValue(value));
  });
}

/**
 * A concrete path as a person reads it: each segment decoded, except one holding an encoded slash (a volume
 * id such as `local%3Aiso%2Fx.iso`), which would read as more segments than the path has.
 */
export function humanPath(path: string): string {
  return path
    .split('/')
    .map((s) => (/%2F/i.test(s) ? s : decodeSegment(s)))
    .join('/');
}
