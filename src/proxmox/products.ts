/**
 * What differs between the Proxmox products this server talks to. Everything product-specific (ports,
 * where the schema is served, how credentials travel, where tasks are followed) is stated here once;
 * the engine above (catalog, validation, tasks, safety) is shared.
 */
import { encodeSegment } from './path.js';
import type { Upid } from './upid.js';

export type Product = 'pve' | 'pbs' | 'pdm';
export const PRODUCTS: readonly Product[] = ['pve', 'pbs', 'pdm'];

export interface ProductFacts {
  id: Product;
  /** As people write it. */
  name: string;
  short: string;
  defaultPort: number;
  /** The API viewer's schema file (an `apiSchema = [...]` array), served without authentication. */
  apidocPath: string;
  /** `Authorization: <tokenPrefix>=<user@realm!tokenid><tokenSeparator><secret>` */
  tokenPrefix: string;
  tokenSeparator: '=' | ':';
  /** The login ticket travels in this cookie. */
  ticketCookie: string;
  /** Guests to run commands in (the exec tools): PVE only. */
  guests: boolean;
}

const FACTS: Record<Product, ProductFacts> = {
  pve: {
    id: 'pve',
    name: 'Proxmox VE',
    short: 'PVE',
    defaultPort: 8006,
    apidocPath: '/pve-docs/api-viewer/apidoc.js',
    tokenPrefix: 'PVEAPIToken',
    tokenSeparator: '=',
    ticketCookie: 'PVEAuthCookie',
    guests: true,
  },
  pbs: {
    id: 'pbs',
    name: 'Proxmox Backup Server',
    short: 'PBS',
    defaultPort: 8007,
    apidocPath: '/docs/api-viewer/apidoc.js',
    tokenPrefix: 'PBSAPIToken',
    tokenSeparator: ':',
    ticketCookie: 'PBSAuthCookie',
    guests: false,
  },
  pdm: {
    id: 'pdm',
    name: 'Proxmox Datacenter Manager',
    short: 'PDM',
    defaultPort: 8443,
    apidocPath: '/docs/api-viewer/apidoc.js',
    tokenPrefix: 'PDMAPIToken',
    tokenSeparator: ':',
    ticketCookie: 'PDMAuthCookie',
    guests: false,
  },
};

export function productFacts(product: Product = 'pve'): ProductFacts {
  return FACTS[product];
}

export function isProduct(value: unknown): value is Product {
  return typeof value === 'string' && (PRODUCTS as readonly string[]).includes(value);
}

/** The Authorization header value for an API token, in the product's own form. */
export function tokenHeader(product: Product, tokenId: string, secret: string): string {
  const f = FACTS[product];
  return `${f.tokenPrefix}=${tokenId}${f.tokenSeparator}${secret}`;
}

/**
 * Where a task is followed. PVE tasks live on the node named in the UPID. PBS and PDM serve their
 * own tasks under `/nodes/localhost` (the UPID names the host, which the API does not require), and a
 * PDM answer for a managed remote carries `remote!UPID:...`, followed through that remote's task API
 * (`/pve/remotes/...` or `/pbs/remotes/...`, told apart by the inner UPID's form).
 */
export function taskPaths(product: Product, upid: Upid): { status: string; log: string } {
  let base: string;
  if (upid.remote !== undefined) {
    base = `/${upid.form === 'pbs' ? 'pbs' : 'pve'}/remotes/${encodeSegment(upid.remote)}/tasks/${encodeSegment(upid.upid)}`;
  } else {
    const node = product === 'pve' ? upid.node : 'localhost';
    base = `/nodes/${encodeSegment(node)}/tasks/${encodeSegment(upid.upid)}`;
  }
  return { status: `${base}/status`, log: `${base}/log` };
}

/** The status path as a template with its values, for telling the model how to look again. */
export function taskStatusHint(product: Product, upid: Upid): { path: string; pathParams: Record<string, string> } {
  if (upid.remote !== undefined) {
    return { path: `/${upid.form === 'pbs' ? 'pbs' : 'pve'}/remotes/${upid.remote}/tasks/{upid}/status`, pathParams: { upid: upid.upid } };
  }
  return { path: `/nodes/${product === 'pve' ? upid.node : 'localhost'}/tasks/{upid}/status`, pathParams: { upid: upid.upid } };
}
