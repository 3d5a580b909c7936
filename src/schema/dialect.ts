/**
 * The PBS/PDM dialect of the apidoc tree, read into the shapes the PVE catalog already uses. Proxmox
 * Backup Server and Datacenter Manager generate their schema from Rust (proxmox-schema), so it differs
 * from PVE's Perl output in form, not in meaning: Perl-style delimited regexes, nested `format` schemas,
 * permission objects instead of check arrays, `DOWNLOAD`/`UPLOAD` streaming methods, and the HTTP/2
 * protocol roots that are not REST at all.
 */
import type { ApidocNode } from './apidoc.js';
import type { Product } from '../proxmox/products.js';

const UPGRADE = '/_upgrade_';

/**
 * Paths to leave out: every `X/_upgrade_` tree (PBS's `/backup/_upgrade_` and `/reader/_upgrade_`, the
 * backup and restore protocols) and `X` itself, the GET that switches the connection to that protocol.
 */
export function protocolRoots(tree: ApidocNode[]): Set<string> {
  const out = new Set<string>();
  const visit = (node: ApidocNode) => {
    if (node.path.endsWith(UPGRADE)) {
      out.add(node.path);
      out.add(node.path.slice(0, -UPGRADE.length) || '/');
    }
    for (const child of node.children ?? []) visit(child);
  };
  for (const root of tree) visit(root);
  out.delete('/');
  return out;
}

/** Recognises the product from the paths only it has, for schemas loaded without being told. */
export function detectProduct(templates: readonly string[]): Product {
  const has = (p: string) => templates.includes(p);
  if (has('/admin/datastore') && has('/config/datastore')) return 'pbs';
  if (has('/remotes/remote') || has('/pve/remotes')) return 'pdm';
  return 'pve';
}

const FLAGS = /^\(\?[a-zA-Z]+\)/;

/**
 * A pattern as the catalog's validator reads it: the body of a regex it anchors with `^(?:...)$`.
 * PVE gives exactly that. PBS/PDM give Rust regexes as `/.../`, matched unanchored, with `(?P<name>`
 * groups and POSIX classes: those are translated; one that cannot be said the same way in JavaScript
 * (inline flags, other classes) is dropped, so valid input is never refused on a guess. The server
 * still checks it.
 */
export function jsPattern(raw: string): string | undefined {
  const delimited = /^\/([\s\S]*)\/$/.exec(raw);
  if (!delimited) return raw;
  let body = delimited[1];
  if (FLAGS.test(body)) return undefined;
  body = body
    .replace(/\(\?P</g, '(?<')
    .replace(/\[\[:\^cntrl:\]\]/g, '[^\\x00-\\x1F\\x7F]')
    .replace(/\[:cntrl:\]/g, '\\x00-\\x1F\\x7F');
  if (/\[:\^?[a-z]+:\]/.test(body)) return undefined;
  const anchored = body.startsWith('^') && body.endsWith('$') && !body.endsWith('\\$');
  const source = anchored ? body : `[\\s\\S]*(?:${body})[\\s\\S]*`;
  try {
    new RegExp(source);
  } catch {
    return undefined;
  }
  return source;
}

export type NestedFormat =
  | { kind: 'object'; properties: Record<string, Record<string, unknown>>; typetext: string }
  | { kind: 'list'; items: Record<string, unknown>; typetext: string }
  | { kind: 'options'; options: Record<string, Record<string, unknown> | undefined> };

/**
 * A `format` object: PBS/PDM nest a schema (`{type: object, properties, default_key}` for a property
 * string, `{type: array, items}` for a list in one string); PVE maps each option name to its schema.
 */
export function objectFormat(format: Record<string, unknown>): NestedFormat {
  const props = format.properties;
  if (format.type === 'object' && props && typeof props === 'object') {
    const properties = props as Record<string, Record<string, unknown>>;
    const defaultKey = typeof format.default_key === 'string' ? format.default_key : undefined;
    const part = (name: string, p: Record<string, unknown>) => {
      const value = `<${Array.isArray(p.enum) ? p.enum.join('|') : typeof p.type === 'string' ? p.type : 'string'}>`;
      const text = name === defaultKey ? `[${name}=]${value}` : `${name}=${value}`;
      return p.optional ? `[${text}]` : text;
    };
    const keys = Object.keys(properties).sort((a, b) => Number(b === defaultKey) - Number(a === defaultKey));
    return { kind: 'object', properties, typetext: keys.map((k) => part(k, properties[k] ?? {})).join(',') };
  }
  if (format.type === 'array' && format.items && typeof format.items === 'object') {
    const items = format.items as Record<string, unknown>;
    const what = Array.isArray(items.enum) ? items.enum.join('|') : typeof items.type === 'string' ? items.type : 'string';
    return { kind: 'list', items, typetext: `list of <${what}>, comma-separated` };
  }
  return { kind: 'options', options: format as Record<string, Record<string, unknown> | undefined> };
}

/**
 * PBS/PDM permissions in PVE's form, so one reader (rendering, the permission pre-check) serves all:
 * `{check: {path: ['datastore', '{store}'], privs: [...], partial}}` becomes
 * `{check: ['perm', '/datastore/{store}', [...]]}` (`partial` means any one of the privileges will do,
 * PVE's `'any', 1`), `{or: [...]}` / `{and: [...]}` become `['or', ...]` / `['and', ...]`, and
 * `{userParam: 'userid'}` becomes `['userid-param', 'self']`. PVE's own objects pass unchanged.
 */
export function normalizePermissions(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const p = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof p.description === 'string') out.description = p.description;
  if (typeof p.user === 'string') out.user = p.user;
  if (Array.isArray(p.check)) return raw;
  const check =
    p.check !== undefined
      ? checkArray(p.check)
      : p.or !== undefined
        ? checkArray({ or: p.or })
        : p.and !== undefined
          ? checkArray({ and: p.and })
          : undefined;
  if (check !== undefined) out.check = check;
  return out;
}

function checkArray(node: unknown): unknown {
  if (!node || typeof node !== 'object') return node;
  const n = node as Record<string, unknown>;
  if (Array.isArray(n.or)) return ['or', ...n.or.map(checkArray)];
  if (Array.isArray(n.and)) return ['and', ...n.and.map(checkArray)];
  if (n.check !== undefined) return checkArray(n.check);
  if (typeof n.userParam === 'string') return ['userid-param', 'self'];
  if (Array.isArray(n.privs)) {
    const path = Array.isArray(n.path) ? `/${n.path.map(String).join('/')}` : '/';
    return n.partial === true ? ['perm', path, n.privs.map(String), 'any', 1] : ['perm', path, n.privs.map(String)];
  }
  return node;
}
