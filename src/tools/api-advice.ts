import type { ClusterContext } from '../context.js';
import { isNodeName } from '../exec/guest-ids.js';
import { apiPath } from '../proxmox/path.js';
import type { Resolved } from './api-resolve.js';
import { clusterGuests, guestKind, guestLabel } from './cluster-guests.js';

// What a call that succeeded leaves undone that the user would want to know at once, said in its answer.

/** A guest's disks in its config: `scsi0`, `efidisk0`, `rootfs`, `mp1`… (not unused ones, not CD-ROMs). */
const DISK_KEY = /^(scsi|sata|ide|virtio|efidisk|tpmstate|mp)\d+$|^rootfs$/;

/**
 * A guest put under HA whose disks are on storage only its node holds, with no replication job copying
 * them, cannot be started on another node: HA would fail exactly when it is needed. Read after the call
 * (the guest list, its config, the node's storages, the replication jobs), within its signal; undefined
 * when all is well or anything could not be read.
 */
export async function adviceAfter(
  r: Resolved,
  params: Record<string, unknown>,
  cluster: ClusterContext,
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (cluster.config.product !== 'pve' || r.method !== 'POST' || r.template !== '/cluster/ha/resources') return undefined;
  const vmid = /^(?:(?:vm|ct):)?(\d+)$/.exec(String(params.sid ?? '').trim())?.[1];
  if (!vmid) return undefined;
  try {
    const guest = (await clusterGuests(cluster.client, signal)).find((g) => String(g.vmid) === vmid);
    const node = guest?.node;
    if (!guest || !isNodeName(node)) return undefined;
    const kind = guestKind(guest);
    const read = async <T>(path: string) => (await cluster.client.request<T>({ method: 'GET', path, signal })).data;
    const [config, storages, jobs] = await Promise.all([
      read<Record<string, unknown>>(apiPath`/nodes/${node}/${kind}/${vmid}/config`),
      read<Array<{ storage?: unknown; shared?: unknown }>>(apiPath`/nodes/${node}/storage`),
      read<Array<{ id?: unknown; guest?: unknown }>>(apiPath`/cluster/replication`),
    ]);
    if (!config || typeof config !== 'object' || !Array.isArray(storages) || !Array.isArray(jobs)) return undefined;
    const shared = new Set(storages.filter((s) => Number(s.shared) === 1).map((s) => String(s.storage)));
    const local = Object.entries(config).flatMap(([key, value]) => {
      if (!DISK_KEY.test(key) || typeof value !== 'string' || /\bmedia=cdrom\b/.test(value)) return [];
      const storage = /^([a-z][a-z0-9._-]*):/i.exec(value)?.[1];
      return storage && !shared.has(storage) ? [`${key} (${storage})`] : [];
    });
    const replicated = jobs.some((j) => String(j.guest ?? String(j.id ?? '').split('-')[0]) === vmid);
    if (!local.length || replicated) return undefined;
    const label = guestLabel(guest);
    const move = kind === 'lxc' ? `POST /nodes/${node}/lxc/${vmid}/move_volume` : `POST /nodes/${node}/qemu/${vmid}/move_disk`;
    return (
      `note: ${label}'s ${local.slice(0, 8).join(', ')} ${local.length === 1 ? 'is' : 'are'} on storage only ${node} holds, and no replication ` +
      `job copies ${local.length === 1 ? 'it' : 'them'}: HA cannot start ${label} on another node if ${node} fails. Move the disks to shared ` +
      `storage (${move}) or, on ZFS, replicate them (POST /cluster/replication).`
    );
  } catch {
    return undefined;
  }
}
