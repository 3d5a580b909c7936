import type { ProxmoxClient } from '../proxmox/client.js';
import { apiPath } from '../proxmox/path.js';
import { ToolError } from '../errors.js';

/** A guest's row in `/cluster/resources`, as far as the tools read it; the node sends what it sends. */
export interface GuestRow {
  type?: string;
  vmid?: number;
  node?: string;
  name?: string;
  status?: string;
  /** The HA manager's state of the guest's service (`started`, `ignored`, …); absent when HA does not manage it. */
  hastate?: string;
}

/** A guest's own API paths, as templates: `/nodes/{node}/qemu/{vmid}` and everything under it. */
export const GUEST_TEMPLATE = /^\/nodes\/\{node\}\/(qemu|lxc)\/\{vmid\}(\/|$)/;

/** The kind of guest a row is: `lxc` is a container, anything else a VM, as `/cluster/resources` says. */
export const guestKind = (g: GuestRow): 'qemu' | 'lxc' => (g.type === 'lxc' ? 'lxc' : 'qemu');

/** `VM 100`, `CT 200`. */
export const guestLabel = (g: GuestRow): string => `${guestKind(g) === 'lxc' ? 'CT' : 'VM'} ${String(g.vmid)}`;

/** Every guest of the cluster, from `/cluster/resources` (type=vm); an answer that is no list is refused. */
export async function clusterGuests(client: ProxmoxClient, signal?: AbortSignal): Promise<GuestRow[]> {
  const { data } = await client.request<unknown>({ method: 'GET', path: apiPath`/cluster/resources`, params: { type: 'vm' }, signal });
  if (!Array.isArray(data))
    throw new ToolError(`GET /cluster/resources answered ${data === null ? 'null' : typeof data}, not a list of guests`);
  return data.filter((r): r is GuestRow => r !== null && typeof r === 'object');
}

/** The cluster's guests, read once for everyone who asks while one call is made ready. */
export type GuestSource = () => Promise<GuestRow[]>;

export function guestListOnce(client: ProxmoxClient, signal?: AbortSignal): GuestSource {
  let read: Promise<GuestRow[]> | undefined;
  return () => (read ??= clusterGuests(client, signal));
}
