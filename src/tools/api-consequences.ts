import type { ClusterContext } from '../context.js';
import type { Resolved } from './api-resolve.js';
import { clusterGuests, type GuestRow } from './cluster-guests.js';
import { apiPath } from '../proxmox/path.js';

// What a call takes with it beyond its own target, said in the preview so that the user's yes covers it.

/** Guests named one by one in a preview; more are counted. */
const MAX_NAMED = 20;

/** The datacenter's `ha: shutdown_policy` values (PVE's own default first), and what each does to HA guests. */
const HA_POLICIES = ['conditional', 'freeze', 'failover', 'migrate'] as const;
type HaPolicy = (typeof HA_POLICIES)[number];

/**
 * A node shut down or rebooted takes the guests running on it: the preview names them (from
 * `/cluster/resources`, read with the call's own signal), and says what HA will do with those it manages
 * under the datacenter's shutdown policy (`/cluster/options`, read only then). Undefined for any other call.
 */
export async function consequencesOf(
  r: Resolved,
  params: Record<string, unknown>,
  cluster: ClusterContext,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const node = r.pathValues?.node;
  if (r.method !== 'POST' || r.template !== '/nodes/{node}/status' || cluster.config.product !== 'pve' || !node) return undefined;
  let running: GuestRow[];
  try {
    running = (await clusterGuests(cluster.client, signal)).filter((g) => g.node === node && g.status === 'running');
  } catch {
    return `The guests running on ${node} could not be listed (GET /cluster/resources): check them before you agree.`;
  }
  if (running.length === 0) return `No guest is running on ${node}.`;
  const named = running.slice(0, MAX_NAMED).map((g) => `${guestName(g)}${haManaged(g) ? ' (HA)' : ''}`);
  const more = running.length > MAX_NAMED ? `, and ${running.length - MAX_NAMED} more` : '';
  const lines = [`Running on ${node} now (${running.length}): ${named.join(', ')}${more}.`];
  const ha = running.filter(haManaged);
  if (ha.length) lines.push(await haFate(ha, node, params.command === 'reboot' ? 'reboot' : 'shutdown', cluster, signal));
  return lines.join('\n');
}

const guestName = (g: GuestRow) => {
  const name = typeof g.name === 'string' && g.name ? ` ${g.name.slice(0, 40)}` : '';
  return `${g.type === 'lxc' ? 'CT' : 'VM'} ${String(g.vmid)}${name}`;
};

/** HA manages a guest whose service has a state other than `ignored`. */
const haManaged = (g: GuestRow) => typeof g.hastate === 'string' && g.hastate !== '' && g.hastate !== 'ignored';

/** What HA does with the guests it manages on a node that shuts down or reboots, by the datacenter's policy. */
async function haFate(
  ha: GuestRow[],
  node: string,
  command: 'shutdown' | 'reboot',
  cluster: ClusterContext,
  signal?: AbortSignal,
): Promise<string> {
  const which = ha.length === 1 ? 'it' : 'them';
  let set: string | undefined;
  try {
    const { data } = await cluster.client.request<unknown>({ method: 'GET', path: apiPath`/cluster/options`, signal });
    // A property string (`shutdown_policy=migrate`), as PVE answers; an object is read too. Unset: PVE's default.
    const setting = data && typeof data === 'object' ? (data as { ha?: unknown }).ha : undefined;
    const value =
      typeof setting === 'string'
        ? /(?:^|,)\s*shutdown_policy=([^,]*)/.exec(setting)?.[1]
        : setting && typeof setting === 'object'
          ? (setting as { shutdown_policy?: unknown }).shutdown_policy
          : undefined;
    set = value === undefined ? 'conditional' : String(value);
  } catch {
    return `HA manages ${ha.length} of them; what it does with ${which} depends on the datacenter's HA shutdown_policy, which could not be read (GET /cluster/options).`;
  }
  const policy = HA_POLICIES.find((p) => p === set);
  if (!policy)
    return `HA manages ${ha.length} of them, under a shutdown_policy this server does not know (${JSON.stringify(set.slice(0, 30))}): check what it does with ${which} before you agree.`;
  const back = `to start again when ${node} is back`;
  const fate: Record<HaPolicy, string> = {
    freeze: `HA stops ${which} and leaves ${which} on ${node}, frozen, ${back}`,
    failover: `HA stops ${which} and recovers ${which} on other nodes if ${node} is not back within about a minute`,
    conditional:
      command === 'reboot'
        ? `on a reboot HA freezes ${which} on ${node}, ${back}`
        : `on a shutdown HA recovers ${which} on other nodes after about 2 minutes`,
    migrate: `HA first migrates ${which} to other nodes (the node goes down once none runs there), and back when ${node} returns`,
  };
  return `HA manages ${ha.length} of them (shutdown_policy=${policy}): ${fate[policy]}.`;
}
