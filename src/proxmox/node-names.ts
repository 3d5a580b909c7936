import type { ProxmoxClient } from './client.js';

/**
 * One spelling of a node name for policy, SSH and audit. PVE treats `localhost` as "the node that answers"
 * and a model may write `PVE1` for `pve1`; a rule written for `pve1` must hold for both, so the name is
 * resolved against the cluster's own node list before any check.
 */

interface NodeList {
  names: string[];
  /** The node behind PROXMOX_URL (`local: 1` in /cluster/status). */
  local?: string;
}

const CACHE_MS = 30_000;
const cache = new WeakMap<ProxmoxClient, { at: number; list: Promise<NodeList | undefined> }>();

export class NodeNameError extends Error {}

async function fetchNodes(client: ProxmoxClient, signal?: AbortSignal): Promise<NodeList | undefined> {
  try {
    const { data } = await client.request<unknown>({ method: 'GET', path: '/cluster/status', signal });
    if (Array.isArray(data)) {
      const rows = data.filter(
        (r): r is { name: string; local?: unknown } => !!r && typeof r === 'object' && r.type === 'node' && typeof r.name === 'string',
      );
      if (rows.length)
        return {
          names: rows.map((r) => r.name),
          local: rows.find((r) => Number(r.local) === 1)?.name ?? (rows.length === 1 ? rows[0].name : undefined),
        };
    }
  } catch {
    // fall through to /nodes, which needs fewer privileges
  }
  try {
    const { data } = await client.request<unknown>({ method: 'GET', path: '/nodes', signal });
    if (!Array.isArray(data)) return undefined;
    const names = data
      .map((r) => (r && typeof r === 'object' ? (r as { node?: unknown }).node : undefined))
      .filter((n): n is string => typeof n === 'string');
    return names.length ? { names, local: names.length === 1 ? names[0] : undefined } : undefined;
  } catch {
    return undefined;
  }
}

function nodeList(client: ProxmoxClient, signal?: AbortSignal): Promise<NodeList | undefined> {
  const hit = cache.get(client);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.list;
  const list = fetchNodes(client, signal);
  cache.set(client, { at: Date.now(), list });
  list.then((l) => l === undefined && cache.delete(client)).catch(() => cache.delete(client));
  return list;
}

/** Whether `name` could mean another spelling of a node (so it must be looked up before a policy check). */
export function mayNeedCanonical(name: string): boolean {
  return name.toLowerCase() === 'localhost' || name !== name.toLowerCase();
}

/**
 * The cluster's own spelling of `name`: `localhost` becomes the local node, a name differing only in case
 * becomes the listed one, anything else is returned as given (the node decides whether it exists).
 * `localhost` that cannot be resolved is refused rather than guessed.
 */
export async function canonicalNode(client: ProxmoxClient, name: string, signal?: AbortSignal): Promise<string> {
  if (!mayNeedCanonical(name)) return name;
  const list = await nodeList(client, signal);
  if (name.toLowerCase() === 'localhost') {
    if (list?.local) return list.local;
    throw new NodeNameError(
      `node 'localhost' could not be resolved to a cluster node (GET /cluster/status gave no local node); name the node${list ? `: one of ${list.names.join(', ')}` : ''}`,
    );
  }
  if (!list || list.names.includes(name)) return name;
  return list.names.find((n) => n.toLowerCase() === name.toLowerCase()) ?? name;
}
