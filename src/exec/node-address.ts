import type { ClusterConfig } from '../config/schema.js';
import type { ProxmoxClient } from '../proxmox/client.js';
import { ProxmoxHttpError, ProxmoxNetworkError } from '../proxmox/errors.js';
import { apiPath } from '../proxmox/path.js';
import { ToolError } from '../errors.js';

export interface NodeAddress {
  host: string;
  /** Where the address came from, for messages. */
  source: 'PROXMOX_SSH_HOSTS' | '/cluster/status' | 'PROXMOX_URL';
}

interface ClusterStatusRow {
  type?: string;
  name?: string;
  ip?: string;
}

/** An address from the API is used as an SSH host, so it must look like one. */
const ADDRESS = /^([0-9A-Fa-f:.]+|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/;

/**
 * The SSH address of a node. The node name itself is never used as a host name: it comes from the model,
 * and a name that happens to resolve (or is made to) would send our key and command somewhere else.
 */
export async function resolveNodeAddress(
  node: string,
  cluster: { config: ClusterConfig; client: ProxmoxClient },
  signal?: AbortSignal,
): Promise<NodeAddress> {
  const hosts = cluster.config.ssh.hosts;
  // Own entries only: `constructor` or `valueOf` must never resolve through the object's prototype.
  const mapped = Object.hasOwn(hosts, node)
    ? hosts[node]
    : Object.entries(hosts).find(([name]) => name.toLowerCase() === node.toLowerCase())?.[1];
  if (typeof mapped === 'string' && mapped) return { host: mapped, source: 'PROXMOX_SSH_HOSTS' };

  let rows: ClusterStatusRow[] | undefined;
  let statusProblem = '';
  try {
    rows = (await cluster.client.request<ClusterStatusRow[]>({ method: 'GET', path: apiPath`/cluster/status`, signal })).data;
  } catch (e) {
    if (!(e instanceof ProxmoxHttpError || e instanceof ProxmoxNetworkError)) throw e;
    statusProblem = ` (GET /cluster/status failed: ${e instanceof ProxmoxHttpError ? `${e.status} ${e.reason}` : e.message})`;
  }
  if (rows !== undefined && !Array.isArray(rows)) {
    statusProblem = ' (GET /cluster/status did not answer with a list)';
    rows = undefined;
  }
  const nodes = (rows ?? []).filter((r) => r && r.type === 'node' && typeof r.name === 'string');
  const row = nodes.find((r) => r.name!.toLowerCase() === node.toLowerCase());
  if (row?.ip && ADDRESS.test(row.ip)) return { host: row.ip, source: '/cluster/status' };
  if (rows && nodes.length > 0 && !row) {
    throw new ToolError(`node '${node}' is not in this cluster; its nodes are: ${nodes.map((r) => r.name).join(', ')}`);
  }
  // A standalone node (or one whose status row has no address): the API host is that node.
  if (row && nodes.length === 1) return { host: urlHost(cluster.config.url), source: 'PROXMOX_URL' };
  if (!rows && (await isOnlyNode(node, cluster.client, signal))) return { host: urlHost(cluster.config.url), source: 'PROXMOX_URL' };

  throw new ToolError(
    `no SSH address for node '${node}'${statusProblem}: set PROXMOX_SSH_HOSTS, e.g. PROXMOX_SSH_HOSTS=${node}=10.0.0.11 (comma-separated for several nodes)`,
  );
}

async function isOnlyNode(node: string, client: ProxmoxClient, signal?: AbortSignal): Promise<boolean> {
  try {
    const list = (await client.request<unknown>({ method: 'GET', path: apiPath`/nodes`, signal })).data;
    if (!Array.isArray(list) || list.length !== 1) return false;
    const only = (list[0] as { node?: unknown } | null)?.node;
    return typeof only === 'string' && only.toLowerCase() === node.toLowerCase();
  } catch (e) {
    if (e instanceof ProxmoxHttpError || e instanceof ProxmoxNetworkError) return false;
    throw e;
  }
}

function urlHost(url: string): string {
  return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
}
