import { ProxmoxHttpError } from '../proxmox/errors.js';
import { humanPath } from '../proxmox/path.js';
import type { Catalog } from '../schema/catalog.js';
import { permissionText } from '../schema/render.js';
import { truthy } from '../safety/destructive.js';
import { sideEffectOf } from '../safety/side-effects.js';
import { isNodeName } from '../exec/guest-ids.js';
import type { ClusterContext } from '../context.js';
import type { Resolved } from './api-resolve.js';
import { clusterGuests, guestKind, type GuestRow, type GuestSource } from './cluster-guests.js';
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

/** A create or restore whose id is taken. */
const ID_TAKEN = /\b(CT|VM) (\d+) already exists on node '([^']+)'/;

/**
 * The error to show for a call Proxmox refused: its own words, then the next step when one is known. A 403
 * also says what the operation requires as a whole (some need one of several privileges, or a second
 * check), so the user knows what to grant. Anything else is returned unchanged.
 */
export async function explainFailure(
  err: unknown,
  r: Resolved,
  cluster: ClusterContext,
  signal?: AbortSignal,
  params: Record<string, unknown> = {},
): Promise<unknown> {
  if (!(err instanceof ProxmoxHttpError)) return err;
  const said = err.describe();
  const next = err.status === 403 ? forbidden(r) : await nextStep(said, r, params, cluster, signal);
  return next ? new ToolError(`${said}\n${next}`) : err;
}

function forbidden(r: Resolved): string {
  const needs = r.op ? permissionText(r.op.permissions) : undefined;
  const lines = needs ? [`${r.method} ${r.template} requires: ${needs}.`] : [];
  lines.push('The token or user lacks it: an administrator can grant a role that has it on that path (PUT /access/acl).');
  return lines.join('\n');
}

async function nextStep(
  said: string,
  r: Resolved,
  params: Record<string, unknown>,
  cluster: ClusterContext,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const guest = MISSING_GUEST.exec(said);
  if (guest) return whereGuestIs(Number(guest[3]), guest[1], guest[2] === 'lxc' ? 'lxc' : 'qemu', r, cluster, signal);
  if (NO_WAKE_MAC.test(said)) {
    const config = r.path.startsWith('/nodes/') ? `${humanPath(r.path.split('/').slice(0, 3).join('/'))}/config` : '/nodes/{node}/config';
    return `Set its wake-on-LAN address first: PUT ${config} with wakeonlan=mac=<MAC of its network card>, then wake it again.`;
  }
  const taken = ID_TAKEN.exec(said);
  if (taken && r.method === 'POST' && /^\/nodes\/\{node\}\/(qemu|lxc)$/.test(r.template)) {
    const restoring = 'archive' in params || truthy(params.restore);
    return restoring
      ? `To restore over ${taken[1]} ${taken[2]}, add force=1 on its node ${taken[3]} (stopped first: the backup replaces its config and disks), or restore under a free id (GET /cluster/nextid).`
      : `Take a free id: proxmox-api-read path=/cluster/nextid`;
  }
  const list = LISTS.find(([re]) => re.test(said))?.[1];
  return list ? `The names that exist: proxmox-api-read path=${list}` : undefined;
}

const LOOK_UP = 'Find its node with proxmox-api-read path=/cluster/resources (type=vm).';

/** The guest's row in the cluster's resource list; `unknown` when the list cannot be read. */
async function guestRow(vmid: number, guests: GuestSource): Promise<GuestRow | undefined | 'unknown'> {
  try {
    return (await guests()).find((g) => Number(g.vmid) === vmid);
  } catch {
    return 'unknown';
  }
}

/** Where the guest is, said against the path the call named; undefined when it is there, as that kind. */
function misplacement(vmid: number, node: string, type: 'qemu' | 'lxc', r: Resolved, row: GuestRow | undefined): string | undefined {
  if (!row) return `There is no guest ${vmid} in this cluster (GET /cluster/resources lists every guest).`;
  const kind = guestKind(row);
  const label = `${kind === 'lxc' ? 'Container' : 'VM'} ${vmid}`;
  if (kind !== type)
    return `${label} is a ${kind === 'lxc' ? 'container (lxc)' : 'VM (qemu)'} on ${String(row.node)}, not a ${type === 'lxc' ? 'container' : 'VM'}: use its /${kind}/ paths.`;
  // A node name as PVE allows it, before it goes into a path the model is told to use.
  if (!isNodeName(row.node)) return `${label} exists. ${LOOK_UP}`;
  if (row.node === node) return undefined;
  const segments = r.path.split('/');
  if (segments[1] !== 'nodes') return `${label} is on ${row.node}, not ${node}.`;
  segments[2] = encodeURIComponent(row.node);
  return `${label} is on ${row.node}, not ${node}: repeat with path=${humanPath(segments.join('/'))}`;
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
  const row = await guestRow(vmid, () => clusterGuests(cluster.client, signal));
  if (row === 'unknown') return `There is no guest ${vmid} of this kind on ${node}. ${LOOK_UP}`;
  return misplacement(vmid, node, type, r, row) ?? `${node} lists this guest but could not read its config. ${LOOK_UP}`;
}

const GUEST_PATH = /^\/nodes\/([^/]+)\/(qemu|lxc)\/(\d+)(?:\/|$)/;
const GUEST_ROOT = /^\/nodes\/[^/]+\/(qemu|lxc)\/\d+$/;

/**
 * Before a destructive call on a guest asks the user: is the guest on the node the path names? A yes to a
 * call that can only fail wastes the user's attention and a second confirmation. Undefined when it is
 * there, or when the resource list cannot be read (the node will then say).
 */
export async function misplacedGuest(r: Resolved, guests: GuestSource): Promise<string | undefined> {
  const m = GUEST_PATH.exec(r.path);
  if (!m) return undefined;
  const vmid = Number(m[3]);
  const row = await guestRow(vmid, guests);
  if (row === 'unknown') return undefined;
  return misplacement(vmid, decodeURIComponent(m[1]), m[2] === 'lxc' ? 'lxc' : 'qemu', r, row);
}

/** A refusal that says the thing named is not there. */
const NOT_THERE = /\bdoes not exist\b|\bno such\b|\bnot found\b|\bdoes not exists\b/i;

/**
 * Before a DELETE asks the user: is there anything to delete? Read with the GET of the same path, where the
 * schema has one without side effects; a refusal saying it does not exist answers before anyone agrees to
 * delete nothing. Undefined when it is there, or when the read cannot tell. Guests: `misplacedGuest`.
 */
export async function missingTarget(
  r: Resolved,
  catalog: Catalog | undefined,
  cluster: ClusterContext,
  signal?: AbortSignal,
): Promise<string | undefined> {
  // A guest itself is checked by misplacedGuest; what is inside it (a snapshot) here.
  if (r.method !== 'DELETE' || GUEST_ROOT.test(r.path) || !catalog?.get('GET', r.template)) return undefined;
  if (sideEffectOf('GET', r.template, r.path)) return undefined;
  try {
    await cluster.client.request({ method: 'GET', path: r.path, signal });
    return undefined;
  } catch (err) {
    if (!(err instanceof ProxmoxHttpError)) return undefined;
    const said = err.describe();
    if (err.status !== 404 && !NOT_THERE.test(said)) return undefined;
    // Its siblings, where the schema lists them (a guest's snapshots), else the list for its kind.
    const parent = r.template.slice(0, r.template.lastIndexOf('/'));
    const list =
      parent && catalog.get('GET', parent) ? humanPath(r.path.slice(0, r.path.lastIndexOf('/'))) : LISTS.find(([re]) => re.test(said))?.[1];
    return `there is nothing to delete: ${said}${list ? `\nThe names that exist: proxmox-api-read path=${list}` : ''}`;
  }
}
