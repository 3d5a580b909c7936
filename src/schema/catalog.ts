import { createHash } from 'node:crypto';
import type { ApidocMethodInfo, ApidocNode } from './apidoc.js';
import { detectProduct, jsPattern, normalizePermissions, objectFormat, protocolRoots } from './dialect.js';
import type { Product } from '../proxmox/products.js';
import { closestNames, levenshtein } from './similar.js';
import { decodeSegment, normalizePath, splitPath } from '../proxmox/path.js';

// Search and discovery split templates through the catalog; the one splitter is the path module's.
export { splitPath };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

export interface ParamSpec {
  name: string;
  type: string;
  description?: string;
  optional: boolean;
  enum?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** A format name (`pve-node`) or the sub-options of a property string (`key=value,...`). */
  format?: string | Record<string, ParamSpec>;
  typetext?: string;
  items?: ParamSpec;
  /** An indexed family such as `net[n]`, sent as `net0`, `net1`, ... */
  indexed: boolean;
  /** Highest index the schema's description states for an indexed family (`n is 0 to 30`). */
  maxIndex?: number;
  inPath: boolean;
  /** Another parameter this one needs. */
  requires?: string;
  raw: Record<string, unknown>;
}

export interface Operation {
  method: HttpMethod;
  /** Template, e.g. /nodes/{node}/qemu/{vmid}/status/start */
  path: string;
  name: string;
  description: string;
  /** First sentence of the description, short. */
  summary: string;
  /** Body/query parameters; path parameters are excluded. */
  params: ParamSpec[];
  pathParams: string[];
  returns?: unknown;
  permissions?: unknown;
  protected: boolean;
  proxyto?: string;
  allowtoken: boolean;
  /** The schema allows parameters it does not list. */
  additionalParams: boolean;
  /** PBS/PDM: the operation streams a file (`DOWNLOAD`) or takes one (`UPLOAD`) instead of JSON parameters. */
  streaming?: 'download' | 'upload';
  /** PBS/PDM mark operations whose interface may still change. */
  unstable?: boolean;
}

interface TrieNode {
  literal: Map<string, TrieNode>;
  param: Map<string, TrieNode>;
  template?: string;
}

const newTrieNode = (): TrieNode => ({ literal: new Map(), param: new Map() });

const PARAM_SEGMENT = /^\{([^}]+)\}$/;

/** Names of tags that mean a path segment other than their own. */
const TAG_ALIASES: Record<string, string> = {
  vm: 'qemu',
  vms: 'qemu',
  kvm: 'qemu',
  container: 'lxc',
  containers: 'lxc',
  ct: 'lxc',
  backup: 'vzdump',
  user: 'users',
  group: 'groups',
  pool: 'pools',
  node: 'nodes',
  task: 'tasks',
  snapshot: 'snapshot',
  notification: 'notifications',
};

export class Catalog {
  readonly operations: readonly Operation[];
  readonly version?: string;
  readonly source?: string;
  /** Which product the schema describes (given, or recognised from its paths). */
  readonly product: Product;
  private fingerprintMemo?: string;
  private readonly byKey = new Map<string, Operation>();
  private readonly methodsByPath = new Map<string, HttpMethod[]>();
  private readonly trie = newTrieNode();
  /** Every template, including directory-only nodes that have no operation of their own. */
  readonly templates: readonly string[];

  private constructor(operations: Operation[], templates: string[], meta: { version?: string; source?: string; product: Product }) {
    this.operations = operations;
    this.version = meta.version;
    this.source = meta.source;
    this.product = meta.product;
    for (const op of operations) {
      this.byKey.set(`${op.method} ${op.path}`, op);
      const list = this.methodsByPath.get(op.path) ?? [];
      list.push(op.method);
      this.methodsByPath.set(op.path, list);
    }
    this.templates = templates;
    for (const t of templates) this.insert(t);
  }

  static fromApidoc(tree: ApidocNode[], meta: { version?: string; source?: string; product?: Product } = {}): Catalog {
    const operations: Operation[] = [];
    const templates: string[] = [];
    // PBS's HTTP/2 backup and restore protocols (`/backup`, `/reader` and their `/_upgrade_` trees) are not REST calls.
    const skipped = protocolRoots(tree);
    const visit = (node: ApidocNode) => {
      if (skipped.has(node.path)) return;
      templates.push(node.path);
      for (const method of HTTP_METHODS) {
        const info = node.info?.[method];
        if (info) operations.push(buildOperation(method, node.path, info));
      }
      for (const child of node.children ?? []) visit(child);
    };
    for (const root of tree) visit(root);
    return new Catalog(operations, templates, { ...meta, product: meta.product ?? detectProduct(templates) });
  }

  /** Identifies the schema's content (operations, names, summaries, parameters), whatever file it came from. */
  get fingerprint(): string {
    if (!this.fingerprintMemo) {
      const hash = createHash('sha1');
      for (const op of this.operations)
        hash.update(`${op.method} ${op.path} ${op.name} ${op.summary} ${op.params.map((p) => p.name).join(',')}\n`);
      this.fingerprintMemo = hash.digest('hex').slice(0, 16);
    }
    return this.fingerprintMemo;
  }

  get(method: HttpMethod, template: string): Operation | undefined {
    return this.byKey.get(`${method} ${template}`);
  }

  methodsFor(template: string): HttpMethod[] {
    return [...(this.methodsByPath.get(template) ?? [])];
  }

  /** Templates one level below `template` (for browsing). */
  childrenOf(template: string): string[] {
    const depth = splitPath(template).length + 1;
    const prefix = template === '/' ? '/' : `${template}/`;
    return this.templates.filter((t) => t.startsWith(prefix) && splitPath(t).length === depth);
  }

  /**
   * Matches a concrete path, a template, or a mix to its template and the decoded path-parameter values.
   * Literal segments win over {param} segments; trailing slashes, a query string and /api2/json are tolerated.
   */
  match(path: string): { template: string; pathParams: Record<string, string> } | undefined {
    const segments = splitPath(normalizePath(path));
    const walk = (node: TrieNode, i: number): string | undefined => {
      if (i === segments.length) return node.template;
      const seg = segments[i];
      const asParam = PARAM_SEGMENT.exec(seg)?.[1];
      if (asParam === undefined) {
        const lit = node.literal.get(decodeSegment(seg));
        const found = lit && walk(lit, i + 1);
        if (found) return found;
      }
      // A {name} in the input fits a parameter of that name best, then any parameter at that position.
      const params = [...node.param.entries()].sort(([a], [b]) => Number(b === asParam) - Number(a === asParam));
      for (const [, child] of params) {
        const found = walk(child, i + 1);
        if (found) return found;
      }
      return undefined;
    };
    const template = walk(this.trie, 0);
    if (!template) return undefined;
    const values: Record<string, string> = {};
    splitPath(template).forEach((t, i) => {
      const name = PARAM_SEGMENT.exec(t)?.[1];
      if (name !== undefined && !PARAM_SEGMENT.test(segments[i])) values[name] = decodeSegment(segments[i]);
    });
    return { template, pathParams: values };
  }

  /** Templates most like `path`, best first (for "unknown path" errors). */
  nearestPaths(path: string, n = 5): string[] {
    // Segment distances are quadratic in segment length; real paths are short, hostile ones are cut.
    const input = splitPath(normalizePath(path.slice(0, 512)))
      .slice(0, 16)
      .map((seg) => decodeSegment(seg).slice(0, 64));
    const withOps = this.templates.filter((t) => this.methodsByPath.has(t));
    return withOps
      .map((t) => ({ t, cost: segmentDistance(input, splitPath(t)) }))
      .sort((a, b) => a.cost - b.cost || a.t.length - b.t.length)
      .slice(0, n)
      .map((x) => x.t);
  }

  /**
   * Operations under a path prefix (`/nodes/{node}/qemu`, concrete values allowed) or carrying a tag:
   * a path segment such as storage, access, qemu, lxc, ceph, ha, sdn, firewall (vm and container work too).
   */
  subtree(prefixOrTag: string): Operation[] {
    const input = prefixOrTag.trim();
    if (input.startsWith('/') || input.includes('/')) return this.underPrefix(input.startsWith('/') ? input : `/${input}`);
    const tag = input.toLowerCase();
    const word = TAG_ALIASES[tag] ?? tag;
    const hasSegment = (op: Operation, test: (s: string) => boolean) =>
      splitPath(op.path).some((s) => !s.startsWith('{') && test(s.toLowerCase()));
    let ops = this.operations.filter((op) => hasSegment(op, (s) => s === word || s === tag));
    if (ops.length === 0 && word.length >= 3) ops = this.operations.filter((op) => hasSegment(op, (s) => s.startsWith(word)));
    return ops;
  }

  /** Tag names worth offering when one is unknown. */
  suggestTags(tag: string, n = 5): string[] {
    const segments = new Set(this.operations.flatMap((op) => splitPath(op.path).filter((s) => !s.startsWith('{'))));
    return closestNames(tag.toLowerCase(), [...segments], n);
  }

  private underPrefix(prefix: string): Operation[] {
    const input = splitPath(normalizePath(prefix));
    let candidates = [...this.operations];
    input.forEach((seg, i) => {
      const asParam = PARAM_SEGMENT.test(seg);
      const value = decodeSegment(seg);
      const fits = (op: Operation) => splitPath(op.path)[i];
      const literal = asParam ? [] : candidates.filter((op) => fits(op) === value);
      candidates = literal.length > 0 ? literal : candidates.filter((op) => PARAM_SEGMENT.test(fits(op) ?? ''));
    });
    return candidates;
  }

  private insert(template: string): void {
    let node = this.trie;
    for (const seg of splitPath(template)) {
      const param = PARAM_SEGMENT.exec(seg)?.[1];
      const map = param === undefined ? node.literal : node.param;
      const key = param ?? seg;
      let next = map.get(key);
      if (!next) {
        next = newTrieNode();
        map.set(key, next);
      }
      node = next;
    }
    node.template = template;
  }
}

/** Edit distance over path segments; a {param} template segment costs little against any value. */
function segmentDistance(input: string[], template: string[]): number {
  const cost = (a: string, b: string) => {
    if (PARAM_SEGMENT.test(b)) return PARAM_SEGMENT.test(a) ? 0 : 0.25;
    if (a === b) return 0;
    return Math.min(1, levenshtein(a.toLowerCase(), b.toLowerCase()) / Math.max(a.length, b.length));
  };
  const prev = Array.from({ length: template.length + 1 }, (_, j) => j);
  for (let i = 1; i <= input.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= template.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + cost(input[i - 1], template[j - 1]));
      diag = up;
    }
  }
  return prev[template.length];
}

function buildOperation(method: HttpMethod, path: string, info: ApidocMethodInfo): Operation {
  const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const properties = info.parameters?.properties ?? {};
  const params = Object.entries(properties)
    .filter(([name]) => !pathParams.includes(name))
    .map(([name, raw]) => buildParam(name, raw, false));
  const description = String(info.description ?? '').trim();
  return {
    method,
    path,
    name: String(info.name ?? ''),
    description,
    summary: summarize(description),
    params,
    pathParams,
    returns: info.returns,
    permissions: normalizePermissions(info.permissions),
    protected: Boolean(info.protected),
    proxyto: typeof info.proxyto === 'string' ? info.proxyto : undefined,
    allowtoken: info.allowtoken === undefined ? true : Boolean(info.allowtoken),
    // 0/1 in PVE, a JSON boolean in PBS/PDM; a schema object (rare) also means "more are allowed".
    additionalParams: Boolean(info.parameters?.additionalProperties),
    ...(info.method === 'DOWNLOAD' ? { streaming: 'download' as const } : info.method === 'UPLOAD' ? { streaming: 'upload' as const } : {}),
    ...(info.unstable === true ? { unstable: true } : {}),
  };
}

export function buildParam(name: string, raw: Record<string, unknown>, inPath: boolean): ParamSpec {
  const indexed = name.endsWith('[n]');
  const description = typeof raw.description === 'string' ? raw.description : undefined;
  const spec: ParamSpec = {
    name,
    type: typeof raw.type === 'string' ? raw.type : Array.isArray(raw.oneOf) ? oneOfType(raw.oneOf) : 'string',
    description,
    optional: Boolean(raw.optional),
    indexed,
    inPath,
    raw,
  };
  if (Array.isArray(raw.enum)) spec.enum = raw.enum.map(String);
  if (raw.default !== undefined) spec.default = raw.default;
  for (const key of ['minimum', 'maximum', 'minLength', 'maxLength'] as const) {
    if (typeof raw[key] === 'number') spec[key] = raw[key] as number;
  }
  if (typeof raw.pattern === 'string') {
    const pattern = jsPattern(raw.pattern);
    if (pattern !== undefined) spec.pattern = pattern;
  }
  if (typeof raw.typetext === 'string') spec.typetext = raw.typetext;
  if (typeof raw.requires === 'string') spec.requires = raw.requires;
  if (typeof raw.format === 'string') spec.format = raw.format;
  else if (raw.format && typeof raw.format === 'object') {
    // PBS/PDM nest a whole schema (an object's properties, or an array's items); PVE maps option names to schemas.
    const nested = objectFormat(raw.format as Record<string, unknown>);
    if (nested.kind === 'object') {
      spec.format = Object.fromEntries(Object.entries(nested.properties).map(([k, v]) => [k, buildParam(k, v, false)]));
      spec.typetext ??= nested.typetext;
    } else if (nested.kind === 'list') {
      spec.items = buildParam('items', nested.items, false);
      spec.typetext ??= nested.typetext;
    } else {
      spec.format = Object.fromEntries(Object.entries(nested.options).map(([k, v]) => [k, buildParam(k, v ?? {}, false)]));
    }
  }
  if (raw.items && typeof raw.items === 'object') spec.items = buildParam('items', raw.items as Record<string, unknown>, false);
  if (indexed && description) spec.maxIndex = statedMaxIndex(description);
  return spec;
}

function oneOfType(variants: unknown[]): string {
  const types = new Set(variants.map((v) => (v as { type?: unknown }).type).filter((t): t is string => typeof t === 'string'));
  return types.size === 1 ? [...types][0] : 'string';
}

/** `(n is 0 to 30)`, `n can be up to 14`, `link0..link7`: the largest stated index, if any. */
function statedMaxIndex(description: string): number | undefined {
  const found = [
    ...description.matchAll(/\bn is 0 to (\d+)/g),
    ...description.matchAll(/\bn can be up to (\d+)/g),
    ...description.matchAll(/\w0\.\.\w+?(\d+)\b/g),
  ].map((m) => Number(m[1]));
  return found.length ? Math.max(...found) : undefined;
}

function summarize(description: string): string {
  const firstLine = description.split('\n')[0].trim();
  const sentence = /^(.+?[.!?])(\s|$)/.exec(firstLine)?.[1] ?? firstLine;
  return sentence.length > 120 ? `${sentence.slice(0, 117)}...` : sentence;
}
