import type { ClusterContext } from '../context.js';
import { apiPath } from '../proxmox/path.js';
import { pveList } from '../safety/config-diff.js';
import { truthy } from '../safety/destructive.js';
import type { Resolved } from './api-resolve.js';
import { GUEST_TEMPLATE, guestLabel, type GuestRow, type GuestSource } from './cluster-guests.js';

// What a call takes with it beyond its own target, said in the preview so that the user's yes covers it.

/** Guests named one by one in a preview; more are counted. */
const MAX_NAMED = 20;

/** The datacenter's `ha: shutdown_policy` values (PVE's own default first), and what each does to HA guests. */
const HA_POLICIES = ['conditional', 'freeze', 'failover', 'migrate'] as const;
type HaPolicy = (typeof HA_POLICIES)[number];

/**
 * The node actions on many guests: which of the node's guests each acts on, whether it names a `target`
 * node, and whether a shutdown that takes too long turns into a hard stop.
 */
interface Bulk {
  verb: string;
  acts: (g: GuestRow) => boolean;
  toTarget?: boolean;
  hardStop?: boolean;
}
const BULK: Record<string, Bulk> = {
  '/nodes/{node}/stopall': { verb: 'Shut down', acts: (g) => g.status === 'running', hardStop: true },
  '/nodes/{node}/suspendall': { verb: 'Suspended', acts: (g) => g.status === 'running' && g.type === 'qemu' },
  '/nodes/{node}/migrateall': { verb: 'Migrated', acts: () => true, toTarget: true },
};
/** What PVE hands to HA when HA manages the guest (a stop request, which HA then keeps). */
const HA_STOPS = /\/status\/(stop|shutdown)$/;

/**
 * What a destructive call takes with it, for its preview: the guest a guest's call acts on, by name, and
 * the guests a node's shutdown, reboot, stopall, suspendall or migrateall takes, with what HA does with
 * those it manages (from `/cluster/resources`, read once per call, and `/cluster/options`). Undefined
 * where there is nothing to add.
 */
export async function consequencesOf(
  r: Resolved,
  params: Record<string, unknown>,
  cluster: ClusterContext,
  guests: GuestSource,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const node = r.pathValues?.node;
  if (cluster.config.product !== 'pve' || !node) return undefined;
  if (GUEST_TEMPLATE.test(r.template)) return guestNamed(r, guests);
  const bulk = BULK[r.template];
  const power = r.template === '/nodes/{node}/status';
  if (r.method !== 'POST' || (!bulk && !power)) return undefined;
  let onNode: GuestRow[];
  try {
    onNode = (await guests()).filter((g) => g.node === node);
  } catch {
    return `The guests ${power ? 'running ' : ''}on ${node} could not be listed (GET /cluster/resources): check them before you agree.`;
  }
  if (bulk) return bulkAction(bulk, onNode, node, params);
  return nodePower(
    onNode.filter((g) => g.status === 'running'),
    node,
    params.command === 'reboot' ? 'reboot' : 'shutdown',
    cluster,
    signal,
  );
}

/** `CT 200 dns01 on pve1, running; HA manages it …`: which guest the user agrees to act on. */
async function guestNamed(r: Resolved, guests: GuestSource): Promise<string | undefined> {
  const vmid = r.pathValues?.vmid;
  let row: GuestRow | undefined;
  try {
    row = (await guests()).find((g) => String(g.vmid) === vmid);
  } catch {
    return undefined;
  }
  if (!row) return undefined;
  const status = typeof row.status === 'string' && /^[a-z-]{1,20}$/.test(row.status) ? `, ${row.status}` : '';
  const line = `${guestLabel(row)}${nameOf(row)} on ${String(r.pathValues?.node)}${status}.`;
  if (!haManaged(row)) return line;
  const which = row.type === 'lxc' ? 'container' : 'VM';
  return HA_STOPS.test(r.template)
    ? `${line}\nHA manages this ${which}: PVE hands the stop to HA, which sets its HA state to stopped, so HA does not start it again by itself.`
    : `${line}\nHA manages this ${which} (HA state ${String(row.hastate).slice(0, 20)}).`;
}

async function nodePower(
  running: GuestRow[],
  node: string,
  command: 'shutdown' | 'reboot',
  cluster: ClusterContext,
  signal?: AbortSignal,
): Promise<string> {
  const lines = [running.length ? `Running on ${node} now (${running.length}): ${named(running)}.` : `No guest is running on ${node}.`];
  const ha = running.filter(haManaged);
  if (ha.length) lines.push(await haFate(ha, node, command, cluster, signal));
  if (command === 'reboot' && ha.length < running.length)
    lines.push('Guests without HA start again after the reboot only where their onboot option is set.');
  if (command === 'shutdown')
    lines.push(
      `Once off, ${node} comes back only by wake-on-LAN (POST /nodes/${node}/wakeonlan, if its MAC is set), its IPMI or its power button.`,
    );
  return lines.join('\n');
}

/** stopall, suspendall, migrateall: the guests it acts on (those in `vms` only, when given), and its limits. */
function bulkAction(bulk: Bulk, onNode: GuestRow[], node: string, params: Record<string, unknown>): string {
  const listed = params.vms === undefined ? undefined : pveList(params.vms);
  const chosen = listed ? onNode.filter((g) => listed.includes(String(g.vmid))) : onNode;
  const acted = chosen.filter(bulk.acts);
  const target = bulk.toTarget && typeof params.target === 'string' ? ` to ${params.target.slice(0, 40)}` : '';
  const lines = [
    acted.length
      ? `${bulk.verb}${target} by this (${acted.length}): ${named(acted)}.`
      : `No guest on ${node} is acted on${listed ? ' (of those in vms)' : ''}: this changes nothing.`,
  ];
  const elsewhere = listed?.filter((id) => !onNode.some((g) => String(g.vmid) === id));
  if (elsewhere?.length) lines.push(`Not on ${node}, so left alone: ${elsewhere.slice(0, MAX_NAMED).join(', ').slice(0, 200)}.`);
  if (bulk.hardStop && acted.length) {
    const given = Number(params.timeout);
    const timeout = params.timeout !== undefined && Number.isFinite(given) ? given : 180;
    const forced = params['force-stop'] === undefined || truthy(params['force-stop']);
    lines.push(
      forced
        ? `Each is stopped hard if it is still running after ${timeout} s (timeout; force-stop=0 leaves it running instead).`
        : `One still running after ${timeout} s is left running (force-stop=0).`,
    );
  }
  return lines.join('\n');
}

/** `VM 100 web01 (HA), CT 200 dns01, …, and 3 more`. */
function named(guests: GuestRow[]): string {
  const names = guests.slice(0, MAX_NAMED).map((g) => `${guestLabel(g)}${nameOf(g)}${haManaged(g) ? ' (HA)' : ''}`);
  const more = guests.length > MAX_NAMED ? `, and ${guests.length - MAX_NAMED} more` : '';
  return names.join(', ') + more;
}

/** ` web01`: the guest's name as the node sends it, bounded (a preview shows what is invisible in it). */
const nameOf = (g: GuestRow) => (typeof g.name === 'string' && g.name ? ` ${g.name.slice(0, 40)}` : '');

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
  let set: string;
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
