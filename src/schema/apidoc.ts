/** The shapes found in Proxmox's `apidoc.js` (`apiSchema`), as far as this project reads them. */
export interface ApidocParameters {
  type?: string;
  properties?: Record<string, Record<string, unknown>>;
  additionalProperties?: number | boolean;
}

export interface ApidocMethodInfo {
  name?: string;
  method?: string;
  description?: string;
  parameters?: ApidocParameters;
  returns?: unknown;
  permissions?: unknown;
  protected?: number | boolean;
  proxyto?: string;
  allowtoken?: number | boolean;
  [key: string]: unknown;
}

export interface ApidocNode {
  path: string;
  text: string;
  leaf?: number | boolean;
  children?: ApidocNode[];
  info?: Partial<Record<string, ApidocMethodInfo>>;
}

/** `const apiSchema = [` (PVE), `var apiSchema = [` (PBS); the array starts at the bracket. */
const DECLARATION = /\b(?:const|var|let)\s+apiSchema\s*=\s*\[/;

/**
 * Reads apidoc.js as PVE serves it, or a bare JSON array. The array is cut out with a bracket matcher
 * that skips string literals, then handed to JSON.parse: the file is never evaluated.
 */
export function parseApidoc(text: string): ApidocNode[] {
  const bare = bareJsonArray(text);
  if (bare) return bare;
  const start = findArrayStart(text);
  if (start < 0) {
    throw new Error('no API schema found: expected apidoc.js (with `const apiSchema = [...]`) or a JSON array of API nodes');
  }
  const end = findMatchingBracket(text, start);
  if (end < 0) throw new Error('API schema array is not closed: the apidoc file looks truncated');
  let tree: unknown;
  try {
    tree = JSON.parse(text.slice(start, end + 1));
  } catch (err) {
    throw new Error(`API schema array is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(tree) || tree.length === 0 || !tree.every(isApidocNode)) {
    throw new Error('API schema array does not hold API nodes (objects with a "path")');
  }
  return tree;
}

/** The common case (a cached or user-supplied JSON array) needs no scan of its own: JSON.parse checks it. */
function bareJsonArray(text: string): ApidocNode[] | undefined {
  const first = text.search(/\S/);
  if (first < 0 || text[first] !== '[') return undefined;
  try {
    const tree: unknown = JSON.parse(text);
    return Array.isArray(tree) && tree.length > 0 && tree.every(isApidocNode) ? tree : undefined;
  } catch {
    return undefined;
  }
}

function findArrayStart(text: string): number {
  const m = DECLARATION.exec(text);
  if (m) return m.index + m[0].length - 1;
  const first = text.search(/\S/);
  return first >= 0 && text[first] === '[' ? first : -1;
}

/** Index of the `]` closing the `[` at `open`, skipping "…", '…' and `…` literals with their escapes; -1 if none. */
export function findMatchingBracket(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(text, i);
      if (i < 0) return -1;
    } else if (c === '[' || c === '{') {
      depth++;
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return c === ']' ? i : -1;
    }
  }
  return -1;
}

function skipString(text: string, open: number): number {
  const quote = text[open];
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

function isApidocNode(v: unknown): v is ApidocNode {
  return typeof v === 'object' && v !== null && typeof (v as { path?: unknown }).path === 'string';
}
