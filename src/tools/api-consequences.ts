import type { ClusterContext } from '../context.js';
import type { Resolved } from './api-resolve.js';
import { clusterGuests, type GuestRow } from './cluster-guests.js';

// What a call takes with it beyond its own target, said in the preview so that the user's yes covers it.

/** Guests named one by one in a preview; more are counted. */
const MAX_NAMED = 20;

/**
 * A node shut down or rebooted takes the guests running on it: the preview names them (from
 * `/cluster/resources`, read with the call's own signal). Undefined for any other call.
 */
export async function consequencesOf(r: Resolved, cluster: ClusterContext, signal?: AbortSignal): Promise<string | undefined> {
  const node = r.pathValues?.node;
  if (r.method !== 'POST' || r.template !== '/nodes/{node}/status' || cluster.config.product !== 'pve' || !node) return undefined;
  let running: GuestRow[];
  try {
    running = (await clusterGuests(cluster.client, signal)).filter((g) => g.node === node && g.status === 'running');
  } catch {
    return `The guests running on ${node} could not be listed (GET /cluster/resources): check them before you agree.`;
  }
  if (running.length === 0) return `No guest is running on ${node}.`;
  const named = running.slice(0, MAX_NAMED).map((g) => {
    const kind = g.type === 'lxc' ? 'CT' : 'VM';
    const name = typeof g.name === 'string' && g.name ? ` ${g.name.slice(0, 40)}` : '';
    return `${kind} ${String(g.vmid)}${name}`;
  });
  const more = running.length > MAX_NAMED ? `, and ${running.length - MAX_NAMED} more` : '';
  return `Running on ${node} now (${running.length}): ${named.join(', ')}${more}.`;
}
