import { ProxmoxHttpError } from '../proxmox/errors.js';
import { apiPath, humanPath } from '../proxmox/path.js';
import { permissionText } from '../schema/render.js';
import type { ClusterContext } from '../context.js';
import type { Resolved } from './api-resolve.js';
import { ToolError } from './types.js';

// A refusal in Proxmox's own words says what is wrong, seldom what to do next. For the refusals a model
// meets most, the answer adds the next step: where the guest really is, where to look a name up, which
// setting is missing. Proxmox's words come first and stay unchanged.

/** `no such user ('x')`, `storage 'x' does not exist`: where the names that do exist are listed. */
const LISTS: Array<[RegExp, string]> = [
  [/\bno such user\b|\buser '[^']*' does not exist\b/i, '/access/users'],
  [/\bno such group\b|\bgroup '[^']*' does not exist\b/i, '/access/groups'],
  [/\bno such role\b|\brole '[^']*' does not exist\b/i, '/access/roles'],
  [/\bno such (?:authentication )?(?:domain|realm)\b/i, '/access/domains'],
  [/\bno such pool\b|\bpool '[^']*' does not exist\b/i, '/pools'],
  [/\bno such cluster node\b|\bno such node\b|\bhostname lookup '[^']*' failed\b/i, '/nodes'],
  [/\bstorage '[^']*' does not exist\b|\bno such storage\b/i, '/storage'],
  [/\bno such (?:vzdump|backup) job\b|\bjob '[^']*' does not exist\b/i, '/cluster/backup'],
];

/** PVE's refusal for a guest that is not on the node in the path (or nowhere). */
const MISSING_GUEST = /Configuration file 'nodes\/([^/']+)\/(qemu-server|lxc)\/(\d+)\.conf' does not exist/;

const NO_WAKE_MAC = /No wake on LAN MAC address defined/i;

/**
 * The error to show for a call Proxmox refused: its own words, then the next step when one is known. A 403
 * also says what the operation requires as a whole (some need one of several privileges, or a second
 * check), so the user knows what to grant. Anything else is returned unchanged.
 */
export async function explainFailure(err: unknown, r: Resolved, cluster: ClusterContext, signal?: AbortSignal): Promise<unknown> {
  if (!(err instanceof ProxmoxHttpError)) return err;
  const said = err.describe();
  const next = err.status === 403 ? forbidden(r) : await nextStep(said, r, cluster, signal);
  return next ? new ToolError(`${said}\n${next}`) : err;
}

function forbidden(r: Resolved): string {
  const needs = r.op ? permissionText(r.op.permissions) : undefined;
  const lines = needs ? [`${r.method} ${r.template} requires: ${needs}.`] : [];
  lines.push('The token or user lacks it: an administrator can grant a role that has it on that path (PUT /access/acl).');
  return lines.join('\n');
}

async function nextStep(said: string, r: Resolved, cluster: ClusterContext, signal?: AbortSignal): Promise<string | undefined> {
  const guest = MISSING_GUEST.exec(said);
  if (guest) return whereGuestIs(Number(guest[3]), guest[1], guest[2] === 'lxc' ? 'lxc' : 'qemu', r, cluster, signal);
  if (NO_WAKE_MAC.test(said)) {
    const config = r.path.startsWith('/nodes/') ? `${humanPath(r.path.split('/').slice(0, 3).join('/'))}/config` : '/nodes/{node}/config';
    return `Set its wake-on-LAN address first: PUT ${config} with wakeonlan=mac=<MAC of its network card>, then wake it again.`;
  }
  const list = LISTS.find(([re]) => re.test(said))?.[1];
  return list ? `The names that exist: proxmox-api-read path=${list}` : undefined;
}

/**
 * A guest asked for on the wrong node: its node from the cluster's resource list, and the same path there.
 * The lookup is a read, bounded by the call's own signal; when it fails, the hint names where to look.
 */
async function whereGuestIs(
  vmid: number,
  node: string,
  type: 'qemu' | 'lxc',
  r: Resolved,
  cluster: ClusterContext,
  signal?: AbortSignal,
): Promise<string> {
  const lookUp = `Find its node with proxmox-api-read path=/cluster/resources (type=vm).`;
  let rows: unknown;
  try {
    rows = (await cluster.client.request<unknown>({ method: 'GET', path: apiPath`/cluster/resources`, params: { type: 'vm' }, signal }))
      .data;
  } catch {
    return `There is no guest ${vmid} of this kind on ${node}. ${lookUp}`;
  }
  const row = Array.isArray(rows)
    ? (rows as Array<Record<string, unknown>>).find((g) => g && typeof g === 'object' && Number(g.vmid) === vmid)
    : undefined;
  if (!row) return `There is no guest ${vmid} in this cluster (GET /cluster/resources lists every guest).`;
  const kind = row.type === 'lxc' ? 'lxc' : 'qemu';
  const label = `${kind === 'lxc' ? 'Container' : 'VM'} ${vmid}`;
  if (kind !== type)
    return `${label} is a ${kind === 'lxc' ? 'container (lxc)' : 'VM (qemu)'} on ${String(row.node)}, not a ${type === 'lxc' ? 'container' : 'VM'}: use its /${kind}/ paths.`;
  // A node name as PVE allows it, before it goes into a path the model is told to use.
  if (typeof row.node !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(row.node)) return `${label} exists. ${lookUp}`;
  if (row.node === node) return `${label} is listed on ${node} but its config could not be read. ${lookUp}`;
  const segments = r.path.split('/');
  if (segments[1] !== 'nodes') return `${label} is on ${row.node}, not ${node}.`;
  segments[2] = encodeURIComponent(row.node);
  return `${label} is on ${row.node}, not ${node}: repeat with path=${humanPath(segments.join('/'))}`;
}
