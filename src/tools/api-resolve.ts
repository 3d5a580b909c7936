import type { HttpMethod } from '../proxmox/client.js';
import { mayNeedCanonical } from '../proxmox/node-names.js';
import {
  decodeSegment,
  encodeSegment,
  fillTemplate,
  humanPath,
  isDotSegment,
  parseApiPath,
  placeholderName,
  placeholderNames,
  strictDecodeSegment,
  wireValue,
  type ApiTarget,
} from '../proxmox/path.js';
import type { Catalog, Operation } from '../schema/catalog.js';
import { controlCharProblem } from '../schema/validate.js';
import { clip } from '../output/budget.js';
import { isNodeName } from '../exec/guest-ids.js';
import { nodeForCall } from './canonical-node.js';
import { clusterGuests, GUEST_TEMPLATE, guestKind, guestLabel } from './cluster-guests.js';
import type { CallArgs } from './api-input.js';
import { ToolError, type ClusterContext } from './types.js';

// What an API call names: the model's path (concrete, a template with pathParams, a URL of this cluster, a
// query string) resolved to one operation of the schema and the encoded path that is sent, or refused with
// what is wrong. Every path is read through the path module (src/proxmox/path.ts).

export interface Resolved {
  method: HttpMethod;
  template: string;
  /** Encoded path that is sent. */
  path: string;
  /** Path parameter values, decoded (for permission paths). */
  pathValues?: Record<string, string>;
  op?: Operation;
}

/**
 * Accepts `/nodes/pve1/qemu`, `nodes/pve1/qemu`, `/api2/json/...`, a full URL of this cluster, and a
 * query string, which joins the parameters. A URL of any other host is refused: this server only
 * talks to its configured cluster.
 */
function parseTarget(raw: string, baseUrl: string): ApiTarget {
  let rest = raw.trim();
  const url = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
  if (url) {
    let given: URL;
    try {
      given = new URL(url[0]);
    } catch {
      throw new ToolError(`path ${JSON.stringify(clip(url[0], 80))} is not a valid URL; give an API path such as /nodes/{node}/qemu`);
    }
    const ours = new URL(baseUrl);
    if (given.host.toLowerCase() !== ours.host.toLowerCase()) {
      throw new ToolError(`path must be an API path such as /nodes/{node}/qemu; this server talks only to ${ours.host}, not ${given.host}`);
    }
    rest = rest.slice(url[0].length);
  }
  return parseApiPath(rest);
}

/** Parameters written in the path's query string join `params`; the same name in both is ambiguous. */
function mergeQuery(params: Record<string, unknown> | undefined, query: ApiTarget['query']): Record<string, unknown> | undefined {
  const names = Object.keys(query);
  if (!names.length) return params;
  const both = names.filter((n) => params && Object.hasOwn(params, n));
  if (both.length) throw new ToolError(`${both.join(', ')} given both in the path's query string and in params; give each once`);
  return { ...query, ...params };
}

/** Path parameters whose values hold a "/": volume ids (local:iso/debian.iso) and CIDRs (10.0.0.0/24). */
const SLASHED_PARAMS = /\{(volume|cidr)\}$/;

/**
 * A concrete path written with a volume id or CIDR in it has a segment too many; when the template ends
 * in such a parameter, the trailing segments are taken as its value.
 */
function matchPath(catalog: Catalog, path: string): ReturnType<Catalog['match']> {
  const direct = catalog.match(path);
  if (direct) return direct;
  const segments = path.split('/');
  for (let extra = 1; extra <= 3 && segments.length - extra > 2; extra++) {
    const head = segments.slice(0, segments.length - extra - 1);
    const tail = segments.slice(segments.length - extra - 1).map(decodeSegment);
    const joined = catalog.match([...head, encodeSegment(tail.join('/'))].join('/'));
    if (joined && SLASHED_PARAMS.test(joined.template)) return joined;
  }
  return undefined;
}

/** The model's pathParams as they go on the wire (own keys only: see fillTemplate). */
function pathValues(values: Record<string, string | number> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, wireValue(v)]));
}

function methodList(catalog: Catalog, template: string): string {
  return catalog
    .methodsFor(template)
    .map((m) => `${m} ${template}  ${catalog.get(m, template)?.summary ?? ''}`.trimEnd())
    .join('\n');
}

/** A template whose placeholders the call left empty; the node of a guest named by vmid can be looked up. */
class MissingPathParams extends ToolError {
  constructor(
    readonly template: string,
    readonly missing: string[],
    readonly values: Record<string, string>,
  ) {
    super(
      `missing path parameter${missing.length > 1 ? 's' : ''} ${missing.join(', ')} for ${template}: put them in the path or in pathParams`,
    );
  }
}

/**
 * The one missing placeholder is the node of a guest the call names by vmid: where that guest is, as the
 * path to repeat the call with (VMIDs are unique in a cluster). Undefined when the list cannot tell.
 */
async function guestNodeHint(err: MissingPathParams, cluster: ClusterContext, signal: AbortSignal): Promise<string | undefined> {
  const kind = GUEST_TEMPLATE.exec(err.template)?.[1];
  const vmid = err.values.vmid;
  if (!kind || err.missing.join() !== 'node' || !/^\d{1,9}$/.test(vmid ?? '')) return undefined;
  const row = (await clusterGuests(cluster.client, signal).catch(() => undefined))?.find((g) => String(g.vmid) === vmid);
  if (!row || !isNodeName(row.node) || guestKind(row) !== kind) return undefined;
  const path = humanPath(fillTemplate(err.template, { ...err.values, node: row.node }));
  return `${guestLabel(row)} is on ${row.node}: repeat with path=${path}`;
}

/** Finds the operation and builds the encoded path, or explains exactly what is wrong. */
function resolveWithCatalog(catalog: Catalog, path: string, args: CallArgs, readOnly: boolean): Resolved {
  const matched = matchPath(catalog, path);
  if (!matched) {
    const near = catalog.nearestPaths(path, 5);
    const volumeHint = /\/content\/[^/]+\/./.test(path)
      ? '\nVolume ids contain "/": use the template with pathParams, e.g. path=/nodes/{node}/storage/{storage}/content/{volume} pathParams={"volume":"local:iso/x.iso"}.'
      : '';
    throw new ToolError(`unknown path ${clip(path)}.${near.length ? ` Nearest:\n${near.join('\n')}` : ''}${volumeHint}`);
  }
  const { template } = matched;
  const explicit = pathValues(args.pathParams);
  for (const [name, value] of Object.entries(matched.pathParams)) {
    if (name in explicit && explicit[name] !== value) {
      throw new ToolError(`path parameter '${name}' is '${value}' in the path but '${explicit[name]}' in pathParams`);
    }
  }
  const values = { ...explicit, ...matched.pathParams };
  const names = placeholderNames(template);
  const unknown = Object.keys(explicit).filter((k) => !names.includes(k));
  if (unknown.length) {
    throw new ToolError(
      `pathParams ${unknown.map((k) => `'${k}'`).join(', ')} not in ${template}${names.length ? ` (it takes ${names.join(', ')})` : ''}`,
    );
  }
  const missing = names.filter((n) => values[n] === undefined || values[n] === '');
  if (missing.length) throw new MissingPathParams(template, missing, values);

  const methods = catalog.methodsFor(template);
  let method = args.method;
  if (readOnly) {
    if (method && method !== 'GET') throw new ToolError(`proxmox-api-read runs GET only; use proxmox-api for ${method} ${template}`);
    if (!methods.includes('GET')) throw new ToolError(`${template} has no GET; its operations:\n${methodList(catalog, template)}`);
    method = 'GET';
  } else if (!method) {
    if (methods.length !== 1) throw new ToolError(`${template} has several methods; say which:\n${methodList(catalog, template)}`);
    method = methods[0];
  } else if (!methods.includes(method)) {
    throw new ToolError(`${method} is not an operation of ${template}; it has:\n${methodList(catalog, template)}`);
  }
  const op = catalog.get(method, template)!;
  return { method, template, path: fillTemplate(template, values), pathValues: values, op };
}

/** Without a schema: the path is taken as given, each segment re-encoded so nothing can climb out of it. */
function resolveWithoutCatalog(path: string, args: CallArgs, readOnly: boolean): Resolved {
  const values = pathValues(args.pathParams);
  // Not splitPath: an empty segment (the path "/") is refused here, not dropped.
  const segments = path.split('/').slice(1);
  const encoded = segments.map((seg) => {
    const param = placeholderName(seg);
    if (param !== undefined) {
      const value = Object.hasOwn(values, param) ? values[param] : undefined;
      if (value === undefined) throw new ToolError(`missing path parameter '${param}': give it in pathParams`);
      return encodeSegment(value);
    }
    const decoded = strictDecodeSegment(seg);
    if (decoded === undefined) throw new ToolError(`malformed percent-encoding in path segment '${seg}'`);
    if (decoded === '' || isDotSegment(seg)) throw new ToolError(`path segment '${seg}' is not allowed`);
    return encodeSegment(decoded);
  });
  const method = args.method ?? 'GET';
  if (readOnly && method !== 'GET') throw new ToolError(`proxmox-api-read runs GET only; use proxmox-api for ${method}`);
  return { method, template: path, path: '/' + encoded.join('/') };
}

/**
 * `/nodes/localhost/...` runs on the node behind PROXMOX_URL and `/nodes/PVE1` may reach pve1: the node
 * segment is replaced by the cluster's own name for it before policy, confirmation and audit see the path.
 */
async function canonicalNodeInPath(client: ClusterContext['client'], path: string, signal?: AbortSignal): Promise<string> {
  const segments = path.split('/');
  if (segments[1] !== 'nodes' || segments[2] === undefined || segments[2] === '') return path;
  const node = strictDecodeSegment(segments[2]);
  if (node === undefined) return path;
  if (!mayNeedCanonical(node)) return path;
  const canonical = await nodeForCall(client, node, signal);
  if (canonical === node) return path;
  segments[2] = encodeSegment(canonical);
  return segments.join('/');
}

/** Lone surrogates and control characters in the path or path parameters get a precise refusal before any encoding. */
function refuseOddText(args: CallArgs): void {
  const pathProblem = controlCharProblem(args.path, { inPath: true });
  if (pathProblem) throw new ToolError(`path ${pathProblem}`);
  for (const [name, value] of Object.entries(args.pathParams ?? {})) {
    const problem = typeof value === 'string' ? controlCharProblem(value, { inPath: true }) : undefined;
    if (problem) throw new ToolError(`path parameter '${clip(name, 40)}' ${problem}`);
  }
}

/** Path parameters are values too: a control character in one is refused like one in params. */
function refuseControlCharsInPath(path: string): void {
  for (const segment of path.split('/')) {
    // Malformed escapes stay as written, and the raw text is checked.
    const problem = controlCharProblem(decodeSegment(segment), { inPath: true });
    if (problem)
      throw new ToolError(`path segment ${JSON.stringify(clip(segment, 60))} ${problem}; control characters are not allowed in paths`);
  }
}

/**
 * The call the model's arguments name: the operation (when there is a schema), the encoded concrete path
 * with the cluster's own node name in it, and the parameters, those of the path's query string included.
 */
export async function resolveCall(
  args: CallArgs,
  cluster: ClusterContext,
  catalog: Catalog | undefined,
  readOnly: boolean,
  signal: AbortSignal,
): Promise<{ resolved: Resolved; givenParams: Record<string, unknown> | undefined }> {
  refuseOddText(args);
  const target = parseTarget(args.path, cluster.client.baseUrl);
  const givenParams = mergeQuery(args.params, target.query);
  let found: Resolved;
  try {
    found = catalog ? resolveWithCatalog(catalog, target.path, args, readOnly) : resolveWithoutCatalog(target.path, args, readOnly);
  } catch (err) {
    if (!(err instanceof MissingPathParams)) throw err;
    const hint = await guestNodeHint(err, cluster, signal);
    throw hint ? new ToolError(`${err.message}\n${hint}`) : err;
  }
  refuseControlCharsInPath(found.path);
  return { resolved: { ...found, path: await canonicalNodeInPath(cluster.client, found.path, signal) }, givenParams };
}
