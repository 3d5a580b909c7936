import type { ParamsOf, PropSchema, Props, WireParams } from './params.js';
import type { RequestContext } from './context.js';
import { withRenderedFields } from './rendered-fields.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** PVE's permission declaration: `check` is evaluated by the server, `user` relaxes it. */
export interface Permissions {
  check?: unknown[];
  user?: 'all' | 'world';
  description?: string;
}

/** A simulated operation: its apidoc declaration plus the code behind it. */
export interface Operation {
  method: Method;
  path: string;
  name: string;
  description: string;
  parameters: Props;
  returns: Record<string, unknown>;
  permissions: Permissions;
  protected?: 1;
  proxyto?: 'node';
  /** Called by the server with the parameters validateParams checked against `parameters`. */
  handler: Handler<WireParams>;
}

export type Handler<P extends object> = (ctx: RequestContext<P>) => unknown;

/** An operation as written: the handler sees the parameters its own declaration gives it, and no others. */
export type OperationInput<Ps extends Props> = Omit<Operation, 'parameters' | 'handler'> & {
  parameters?: Ps;
  handler: Handler<ParamsOf<Ps>>;
};

export function op<const Ps extends Props = Record<never, PropSchema>>(input: OperationInput<Ps>): Operation {
  // The one place the declaration's types meet the wire: the server calls the handler only with what
  // validateParams accepted against these very `parameters`, which is what ParamsOf<Ps> describes.
  const handler = input.handler as Handler<WireParams>;
  return { ...input, parameters: input.parameters ?? {}, handler };
}

export const returns = {
  upid: { type: 'string', description: 'the task ID.' },
  null: { type: 'null' },
  object: (properties: Record<string, PropSchema> = {}) => ({ type: 'object', properties }),
  array: (properties: Record<string, PropSchema> = {}, link?: string) =>
    link
      ? { type: 'array', items: { type: 'object', properties }, links: [{ rel: 'child', href: `{${link}}` }] }
      : { type: 'array', items: { type: 'object', properties } },
};

/**
 * A worker operation as PVE declares them: `protected`, run on the node in the path (`proxyto: 'node'`),
 * answering with the new task's UPID. `returns` defaults to the documented `the task ID.` string; pass it
 * where PVE declares the answer otherwise (a bare `{ type: 'string' }`, or optional when it may be null).
 */
export function taskOp<const Ps extends Props = Record<never, PropSchema>>(
  input: Omit<OperationInput<Ps>, 'returns' | 'protected' | 'proxyto'> & { returns?: Record<string, unknown> },
): Operation {
  return op<Ps>({ returns: returns.upid, protected: 1, proxyto: 'node', ...input });
}

interface TreeNode {
  path: string;
  text: string;
  leaf: 0 | 1;
  children?: TreeNode[];
  info?: Record<string, unknown>;
}

/** The declarations as the apidoc tree PVE ships (`path`, `text`, `leaf`, `children`, `info`). */
export function buildApiTree(ops: Operation[]): TreeNode[] {
  const root: TreeNode = { path: '', text: '', leaf: 0, children: [] };
  const byPath = new Map<string, TreeNode>([['', root]]);
  const ensure = (path: string): TreeNode => {
    const existing = byPath.get(path);
    if (existing) return existing;
    const parentPath = path.slice(0, path.lastIndexOf('/'));
    const parent = ensure(parentPath);
    const node: TreeNode = { path, text: path.slice(path.lastIndexOf('/') + 1), leaf: 1 };
    parent.children ??= [];
    parent.children.push(node);
    parent.leaf = 0;
    byPath.set(path, node);
    return node;
  };
  for (const o of ops) {
    const node = ensure(o.path);
    node.info ??= {};
    const info: Record<string, unknown> = {
      allowtoken: 1,
      description: o.description,
      method: o.method,
      name: o.name,
      parameters: { additionalProperties: 0, properties: o.parameters, type: 'object' },
      permissions: o.permissions,
      returns: withRenderedFields(o.method, o.path, o.returns),
    };
    if (o.protected) info.protected = 1;
    if (o.proxyto) info.proxyto = o.proxyto;
    node.info[o.method] = info;
  }
  const sortTree = (n: TreeNode) => {
    n.children?.sort((a, b) => a.text.localeCompare(b.text));
    n.children?.forEach(sortTree);
  };
  sortTree(root);
  return root.children ?? [];
}

/**
 * What `/pve-docs/api-viewer/apidoc.js` looks like on a node: the schema as a JS constant, then the
 * viewer's own code. The code after it has brackets and quotes on purpose, like the real file.
 */
export function renderApidocJs(ops: Operation[]): string {
  return `const apiSchema = ${JSON.stringify(buildApiTree(ops), null, 3)}\n;\n${VIEWER_JS}`;
}

const VIEWER_JS = `
let method2cmd = { GET: 'get', POST: 'create', PUT: 'set', DELETE: 'delete' };
function render_simple_text(data) {
    if (typeof data === 'string' && data.includes(']')) {
        return data.replace(/[\\[\\]{}]/g, ' ');
    }
    return "[" + String(data) + "] '{'";
}
Ext.onReady(function() {
    let tree = Ext.create('Ext.data.TreeStore', { root: { expanded: true, children: apiSchema } });
    let paths = [];
    tree.each((node) => paths.push({ path: node.data.path, text: "}{][" }));
    console.log('viewer ready: ' + paths.length + " paths ]");
});
`;
