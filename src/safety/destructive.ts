import { splitList } from '../proxmox/split-list.js';
import { parseRule, ruleMatches, type Rule } from './pattern.js';

/**
 * The one list of operations that need a yes before they run: everything that deletes, and every POST/PUT
 * that destroys data, interrupts a running guest, node or service, or locks people out. Gathered from the
 * PVE 9.2 schema (test/safety/destructive.test.ts checks it against the schema files).
 *
 * Rules use the same pattern language as PROXMOX_ALLOW / PROXMOX_DENY; the first match decides, so the
 * specific DELETE rules come before the catch-all.
 */

type Params = Record<string, unknown> | undefined;

interface Entry {
  rule: string;
  why: string;
  /** Only destructive with these parameters (e.g. `force`); without `when` it always is. */
  when?: (params: Params, paths: string[]) => boolean;
}

const truthy = (v: unknown) => v === true || v === 1 || (typeof v === 'string' && /^(1|true|yes|on)$/i.test(v.trim()));
const param = (name: string) => (p: Params) => truthy(p?.[name]);
const equals = (name: string, ...values: string[]) => (p: Params) => values.includes(String(p?.[name] ?? '').trim());
/** `delete` of an `unusedN` entry (or any disk with `force`) removes the volume itself, not just the config line. */
const removesVolumes = (p: Params) => {
  const keys = splitList(p?.delete);
  return keys.some((k) => /^unused\d+$/.test(k)) || (keys.length > 0 && truthy(p?.force));
};

const ENTRIES: Entry[] = [
  // Guests: power
  { rule: 'POST /nodes/*/qemu/*/status/stop', why: 'stops the VM at once (like pulling the plug)' },
  { rule: 'POST /nodes/*/lxc/*/status/stop', why: 'stops the container at once' },
  { rule: 'POST /nodes/*/qemu/*/status/reset', why: 'resets the VM (hard reboot)' },
  { rule: 'POST /nodes/*/*/*/status/shutdown', why: 'shuts the guest down' },
  { rule: 'POST /nodes/*/*/*/status/reboot', why: 'reboots the guest' },
  { rule: 'POST /nodes/*/qemu/*/status/suspend', why: 'suspends the VM (or hibernates it to disk with todisk)' },
  { rule: 'POST /nodes/*/lxc/*/status/suspend', why: 'suspends the container' },
  { rule: 'POST /nodes/*/qemu/*/agent/shutdown', why: 'shuts the VM down through the guest agent' },
  { rule: 'POST /nodes/*/qemu/*/agent/suspend-disk', why: 'hibernates the VM' },
  { rule: 'POST /nodes/*/qemu/*/agent/suspend-ram', why: 'suspends the VM' },
  { rule: 'POST /nodes/*/qemu/*/agent/suspend-hybrid', why: 'suspends the VM' },
  { rule: 'POST /nodes/*/qemu/*/agent/fsfreeze-freeze', why: "freezes the guest's file systems (writes block until thawed)" },
  {
    rule: 'POST /nodes/*/qemu/*/agent',
    why: 'shuts down, suspends or freezes the VM through the guest agent',
    when: equals('command', 'shutdown', 'suspend-disk', 'suspend-ram', 'suspend-hybrid', 'fsfreeze-freeze'),
  },
  { rule: 'PUT /nodes/*/qemu/*/sendkey', why: 'sends a key press to the VM console (ctrl-alt-delete reboots)' },
  { rule: 'POST /nodes/*/qemu/*/monitor', why: 'runs a QEMU monitor command (can stop or alter the VM)' },
  // Guests: running code, changing data inside
  { rule: 'POST /nodes/*/qemu/*/agent/exec', why: 'runs a command inside the VM' },
  { rule: 'POST /nodes/*/qemu/*/agent/file-write', why: 'overwrites a file inside the VM' },
  { rule: 'POST /nodes/*/qemu/*/agent/set-user-password', why: "changes a user's password inside the VM" },
  // Guests: state and disks
  { rule: 'POST /nodes/*/*/*/snapshot/*/rollback', why: 'reverts to the snapshot, losing changes made since' },
  { rule: 'POST /nodes/*/*/*/template', why: 'turns the guest into a template (cannot be undone)' },
  { rule: 'PUT /nodes/*/qemu/*/unlink', why: 'deletes disk images' },
  { rule: 'POST /nodes/*/qemu/*/move_disk', why: 'deletes the source disk after moving it', when: param('delete') },
  { rule: 'POST /nodes/*/lxc/*/move_volume', why: 'deletes the source volume after moving it', when: param('delete') },
  { rule: 'POST /nodes/*/*/*/config', why: 'destroys disk volumes', when: removesVolumes },
  { rule: 'PUT /nodes/*/*/*/config', why: 'destroys disk volumes', when: removesVolumes },
  { rule: 'POST /nodes/*/*/*/remote_migrate', why: 'deletes the guest on this cluster after migrating it', when: param('delete') },
  { rule: 'POST /nodes/*/lxc/*/migrate', why: 'restarts the container', when: param('restart') },
  { rule: 'POST /nodes/*/qemu', why: 'restores over an existing VM, overwriting it', when: param('force') },
  { rule: 'POST /nodes/*/lxc', why: 'restores over an existing container, overwriting it', when: param('force') },
  { rule: 'POST /nodes/*/vzdump', why: 'stops the guests for the backup', when: equals('mode', 'stop') },
  { rule: 'POST /nodes/*/vzdump', why: 'aborts running backup jobs', when: param('stop') },
  // Many guests at once
  { rule: 'POST /nodes/*/stopall', why: 'stops every guest on the node' },
  { rule: 'POST /nodes/*/suspendall', why: 'suspends every VM on the node' },
  { rule: 'POST /nodes/*/migrateall', why: 'migrates every guest off the node' },
  { rule: 'POST /cluster/bulk-action/guest/shutdown', why: 'shuts down guests across the cluster' },
  { rule: 'POST /cluster/bulk-action/guest/suspend', why: 'suspends guests across the cluster' },
  { rule: 'POST /cluster/bulk-action/guest/migrate', why: 'migrates guests across the cluster' },
  // HA
  { rule: 'POST /cluster/ha/status/disarm-ha', why: 'disarms HA cluster-wide (no fencing, no recovery)' },
  { rule: 'POST /cluster/ha/status/arm-ha', why: 're-arms HA cluster-wide (watchdogs can fence nodes)' },
  { rule: 'POST /cluster/ha/resources/*/relocate', why: 'stops the guest and starts it on another node' },
  { rule: 'POST /cluster/ha/resources', why: 'stops the guest (HA state)', when: equals('state', 'stopped', 'disabled') },
  { rule: 'PUT /cluster/ha/resources/*', why: 'stops the guest (HA state)', when: equals('state', 'stopped', 'disabled') },
  // Nodes
  { rule: 'POST /nodes/*/status', why: 'reboots or shuts down the node' },
  { rule: 'POST /nodes/*/execute', why: 'runs commands on the node as root' },
  { rule: 'POST /nodes/*/services/*/stop', why: 'stops a node service' },
  { rule: 'POST /nodes/*/services/*/restart', why: 'restarts a node service' },
  { rule: 'PUT /nodes/*/network', why: 'applies pending network changes (can cut the node off)' },
  { rule: 'POST /nodes/*/hosts', why: "overwrites the node's /etc/hosts" },
  { rule: 'POST /nodes/*/certificates/custom', why: "replaces the node's TLS certificate (breaks PROXMOX_FINGERPRINT pins)" },
  { rule: 'POST /nodes/*/certificates/acme/certificate', why: "replaces the node's TLS certificate (breaks PROXMOX_FINGERPRINT pins)" },
  { rule: 'PUT /nodes/*/certificates/acme/certificate', why: "replaces the node's TLS certificate (breaks PROXMOX_FINGERPRINT pins)" },
  // Disks and storage
  { rule: 'PUT /nodes/*/disks/wipedisk', why: 'wipes the disk' },
  { rule: 'POST /nodes/*/disks/initgpt', why: 'writes a new partition table to the disk' },
  { rule: 'POST /nodes/*/disks/lvm', why: 'formats the disk as an LVM volume group' },
  { rule: 'POST /nodes/*/disks/lvmthin', why: 'formats the disk as an LVM thin pool' },
  { rule: 'POST /nodes/*/disks/directory', why: 'formats the disk' },
  { rule: 'POST /nodes/*/disks/zfs', why: 'formats the disks as a ZFS pool' },
  { rule: 'POST /nodes/*/ceph/osd', why: 'formats the disk as a Ceph OSD' },
  { rule: 'POST /nodes/*/ceph/osd/*/out', why: 'takes the OSD out (Ceph moves its data away)' },
  { rule: 'POST /nodes/*/ceph/stop', why: 'stops Ceph services' },
  { rule: 'POST /nodes/*/ceph/restart', why: 'restarts Ceph services' },
  {
    rule: 'PUT /cluster/ceph/flags/*',
    why: 'pauses all Ceph I/O',
    when: (p, paths) => (p?.flag === 'pause' || paths.some((x) => x.endsWith('/pause'))) && truthy(p?.value),
  },
  { rule: 'PUT /cluster/ceph/flags', why: 'pauses all Ceph I/O', when: param('pause') },
  // Cluster, SDN, access
  { rule: 'POST /cluster/config', why: 'creates a new cluster from this node' },
  { rule: 'POST /cluster/config/join', why: 'joins this node into another cluster (its guests must not exist there)' },
  { rule: 'POST /cluster/config/nodes/*', why: 'changes cluster membership' },
  { rule: 'PUT /cluster/sdn', why: 'applies pending SDN changes cluster-wide (can cut guest networking)' },
  { rule: 'POST /cluster/sdn/rollback', why: 'discards pending SDN changes' },
  { rule: 'PUT /access/password', why: 'changes a password' },
  { rule: 'PUT /access/acl', why: 'removes permissions', when: param('delete') },
  { rule: 'PUT /access/users/*/token/*', why: "regenerates the token's secret (the old one stops working)", when: param('regenerate') },
  {
    rule: 'POST /access/domains/*/sync',
    why: 'removes users, groups or their properties that vanished from the directory',
    when: (p) => p?.['remove-vanished'] !== undefined && String(p['remove-vanished']).trim() !== 'none' && String(p['remove-vanished']).trim() !== '',
  },
  // Deletions, most specific first
  { rule: 'DELETE /nodes/*/qemu/*', why: 'destroys the VM and its disks' },
  { rule: 'DELETE /nodes/*/lxc/*', why: 'destroys the container and its volumes' },
  { rule: 'DELETE /nodes/*/*/*/snapshot/*', why: 'deletes the snapshot' },
  { rule: 'DELETE /nodes/*/storage/*/content/*', why: 'deletes the volume' },
  { rule: 'DELETE /nodes/*/storage/*/prunebackups', why: 'deletes old backups' },
  { rule: 'DELETE /nodes/*/tasks/*', why: 'stops the task' },
  { rule: 'DELETE /nodes/*/disks/**', why: 'destroys the storage and can wipe its disks' },
  { rule: 'DELETE /nodes/*/certificates/acme/certificate', why: 'revokes the certificate' },
  { rule: 'DELETE /nodes/*/ceph/**', why: 'removes a Ceph component' },
  { rule: 'DELETE /cluster/config/nodes/*', why: 'removes the node from the cluster' },
  { rule: 'DELETE /pools/**', why: 'deletes the pool' },
  { rule: 'DELETE /pools', why: 'deletes the pool' },
  { rule: 'DELETE /storage/*', why: 'removes the storage definition' },
  { rule: 'DELETE /access/users/*/token/*', why: 'deletes the API token' },
  { rule: 'DELETE /access/**', why: 'deletes an access entry (user, group, role, realm or TFA)' },
  { rule: 'DELETE /**', why: 'deletes' },
];

const RULES: Array<Entry & { parsed: Rule }> = ENTRIES.map((e) => ({ ...e, parsed: parseRule(e.rule, 'destructive list') }));

export interface DestructiveVerdict {
  destructive: boolean;
  /** Short words for the confirmation question: "This <why>." */
  why?: string;
}

/**
 * Whether a call needs confirmation. `path` may be a template or a concrete path; pass the concrete one as
 * well when there is one, since a few answers depend on a path value (`/cluster/ceph/flags/pause`).
 * `params` as they will be sent.
 */
export function isDestructive(method: string, path: string, params?: Record<string, unknown>, concrete?: string): DestructiveVerdict {
  const verb = method.toUpperCase();
  if (verb === 'GET') return { destructive: false };
  const paths = concrete && concrete !== path ? [path, concrete] : [path];
  for (const entry of RULES) {
    if (paths.some((p) => ruleMatches(entry.parsed, verb, p)) && (!entry.when || entry.when(params, paths))) {
      return { destructive: true, why: entry.why };
    }
  }
  return { destructive: false };
}

/** Commands run inside guests can do anything, so the exec tools always ask. */
export const EXEC_IS_DESTRUCTIVE = true;
export const EXEC_WHY = 'runs a command inside the guest';

/** The rules as written, for documentation and tests. */
export const DESTRUCTIVE_RULES: ReadonlyArray<{ rule: string; why: string; conditional: boolean }> = ENTRIES.map((e) => ({
  rule: e.rule,
  why: e.why,
  conditional: e.when !== undefined,
}));
