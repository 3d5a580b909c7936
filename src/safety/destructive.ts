import { splitList } from '../proxmox/split-list.js';
import { parseRule, ruleMatches, type Rule } from './pattern.js';
import type { Product } from '../proxmox/products.js';

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

/** A boolean parameter set, in any of the forms PVE accepts. */
export const truthy = (v: unknown) => v === true || v === 1 || (typeof v === 'string' && /^(1|true|yes|on)$/i.test(v.trim()));
const param = (name: string) => (p: Params) => truthy(p?.[name]);
/** Set to anything but blank (a list such as `vms`). */
const given = (name: string) => (p: Params) => p?.[name] !== undefined && String(p[name]).trim() !== '';
const equals =
  (name: string, ...values: string[]) =>
  (p: Params) =>
    values.includes(String(p?.[name] ?? '').trim());
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
  { rule: 'POST /nodes/*/stopall', why: 'shuts down the guests listed in vms', when: given('vms') },
  { rule: 'POST /nodes/*/stopall', why: 'shuts down every guest on the node, VMs and containers' },
  { rule: 'POST /nodes/*/suspendall', why: 'suspends the VMs listed in vms', when: given('vms') },
  { rule: 'POST /nodes/*/suspendall', why: 'suspends every VM on the node' },
  { rule: 'POST /nodes/*/migrateall', why: 'migrates the guests listed in vms off the node', when: given('vms') },
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
  { rule: 'POST /nodes/*/status', why: 'shuts the node down, and the guests running on it with it', when: equals('command', 'shutdown') },
  {
    rule: 'POST /nodes/*/status',
    why: 'reboots the node, taking the guests running on it down until it is back',
    when: equals('command', 'reboot'),
  },
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
  { rule: 'POST /nodes/*/services/*/stop', why: 'stops a host service' },
  { rule: 'POST /nodes/*/services/*/restart', why: 'restarts a host service' },
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
    when: (p) => given('remove-vanished')(p) && String(p?.['remove-vanished']).trim() !== 'none',
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

/** `dry-run` previews: nothing is removed then. */
const unlessDryRun = (p: Params) => !truthy(p?.['dry-run']);
const certificate = "replaces the host's TLS certificate (breaks PROXMOX_FINGERPRINT pins)";

/** Host-level rules PBS and PDM share (both run on the same proxmox-rest-server node API). */
const HOST_ENTRIES: Entry[] = [
  { rule: 'POST /nodes/*/status', why: 'shuts the host down', when: equals('command', 'shutdown') },
  { rule: 'POST /nodes/*/status', why: 'reboots the host', when: equals('command', 'reboot') },
  { rule: 'POST /nodes/*/status', why: 'reboots or shuts down the host' },
  { rule: 'PUT /nodes/*/network', why: 'applies pending network changes (can cut the host off)' },
  { rule: 'POST /nodes/*/certificates/custom', why: certificate },
  { rule: 'POST /nodes/*/certificates/acme/certificate', why: certificate },
  { rule: 'PUT /nodes/*/certificates/acme/certificate', why: certificate },
  { rule: 'PUT /access/acl', why: 'removes permissions', when: param('delete') },
  { rule: 'PUT /access/users/*/token/*', why: "regenerates the token's secret (the old one stops working)", when: param('regenerate') },
  {
    rule: 'POST /access/domains/*/sync',
    why: 'removes users or their properties that vanished from the directory',
    when: given('remove-vanished'),
  },
  { rule: 'DELETE /nodes/*/tasks/*', why: 'stops the task' },
  {
    rule: 'DELETE /nodes/*/certificates/custom',
    why: 'deletes the custom certificate (a self-signed one replaces it, breaking PROXMOX_FINGERPRINT pins)',
  },
  { rule: 'DELETE /access/users/*/token/*', why: 'deletes the API token' },
  { rule: 'DELETE /access/**', why: 'deletes an access entry (user, realm or TFA)' },
];

/** Proxmox Backup Server, from the PBS 4.2 schema: what removes backups, keys or access to them. */
const PBS_ENTRIES: Entry[] = [
  { rule: 'DELETE /admin/datastore/*/snapshots', why: 'forgets (deletes) the backup snapshot' },
  { rule: 'DELETE /admin/datastore/*/groups', why: 'deletes the backup group with all its snapshots' },
  { rule: 'DELETE /admin/datastore/*/namespace', why: 'deletes the namespace (with delete-groups, every backup in it)' },
  { rule: 'POST /admin/datastore/*/prune', why: 'deletes the backup snapshots the keep options do not keep', when: unlessDryRun },
  { rule: 'POST /admin/datastore/*/prune-datastore', why: 'deletes old backup snapshots across the datastore', when: unlessDryRun },
  { rule: 'POST /admin/prune/*/run', why: 'runs the prune job, deleting old backup snapshots' },
  { rule: 'POST /admin/datastore/*/unmount', why: 'unmounts the removable datastore (running jobs on it fail)' },
  {
    rule: 'PUT /admin/datastore/*/protected',
    why: 'lifts the protection, so prune and forget can delete the snapshot',
    when: (p) => p?.protected !== undefined && !truthy(p.protected),
  },
  {
    rule: 'PUT /config/datastore/*',
    why: 'puts the datastore into maintenance (offline, delete or unmount)',
    when: (p) => /\b(offline|delete|unmount)\b/.test(String(p?.['maintenance-mode'] ?? '')),
  },
  { rule: 'DELETE /config/datastore/*', why: 'removes the datastore (with destroy-data, every backup in it)' },
  { rule: 'DELETE /config/encryption-keys/*', why: 'deletes the encryption key: backups made with it cannot be restored without a copy' },
  {
    rule: 'DELETE /config/tape-encryption-keys/*',
    why: 'deletes the tape encryption key: tapes written with it cannot be read without a copy',
  },
  { rule: 'DELETE /config/remote/*', why: 'removes the remote (sync jobs using it stop working)' },
  { rule: 'POST /pull', why: 'deletes local backups that vanished on the remote', when: param('remove-vanished') },
  { rule: 'POST /push', why: 'deletes backups on the remote that vanished here', when: param('remove-vanished') },
  { rule: 'POST /tape/drive/*/format-media', why: 'erases the tape' },
  { rule: 'POST /tape/drive/*/label-media', why: 'writes a new label to the tape (its contents become unreadable)' },
  { rule: 'POST /tape/drive/*/barcode-label-media', why: 'writes new labels to the tapes (their contents become unreadable)' },
  // PBS serves this as a GET: reading it still removes the medium from the inventory.
  { rule: 'GET /tape/media/destroy', why: 'removes the tape from the media inventory' },
  { rule: 'POST /nodes/*/services/*/stop', why: 'stops a host service' },
  { rule: 'POST /nodes/*/services/*/restart', why: 'restarts a host service' },
  { rule: 'PUT /access/password', why: 'changes a password' },
  { rule: 'PUT /nodes/*/disks/wipedisk', why: 'wipes the disk' },
  { rule: 'POST /nodes/*/disks/initgpt', why: 'writes a new partition table to the disk' },
  { rule: 'POST /nodes/*/disks/directory', why: 'formats the disk' },
  { rule: 'POST /nodes/*/disks/zfs', why: 'formats the disks as a ZFS pool' },
  { rule: 'DELETE /nodes/*/disks/**', why: 'removes the datastore directory mount (with cleanup-disks, wipes the disk)' },
  ...HOST_ENTRIES,
  { rule: 'DELETE /**', why: 'deletes' },
];

/** Proxmox Datacenter Manager, from the PDM 1.1 schema: guests on managed remotes, the remotes themselves, keys. */
const PDM_ENTRIES: Entry[] = [
  { rule: 'DELETE /remotes/remote/*', why: 'removes the remote from the Datacenter Manager' },
  { rule: 'POST /pve/remotes/*/*/*/stop', why: 'stops the guest at once' },
  { rule: 'POST /pve/remotes/*/*/*/shutdown', why: 'shuts the guest down' },
  { rule: 'POST /pve/remotes/*/*/*/snapshot/*/rollback', why: 'reverts the guest to the snapshot, losing changes made since' },
  { rule: 'DELETE /pve/remotes/*/*/*/snapshot/*', why: 'deletes the snapshot' },
  {
    rule: 'POST /pve/remotes/*/*/*/remote-migrate',
    why: 'deletes the guest on its source cluster after migrating it',
    when: param('delete'),
  },
  { rule: 'POST /pve/remotes/*/lxc/*/migrate', why: 'restarts the container', when: param('restart') },
  { rule: 'DELETE /pve/remotes/*/tasks/*', why: 'stops the task on the remote' },
  { rule: 'DELETE /pbs/remotes/*/tasks/*', why: 'stops the task on the remote' },
  { rule: 'DELETE /subscriptions/keys/*', why: 'deletes the subscription key from the pool' },
  { rule: 'DELETE /subscriptions/keys/*/assignment', why: 'takes the subscription key away from its node' },
  { rule: 'POST /subscriptions/clear-pending', why: 'discards the pending subscription changes' },
  { rule: 'POST /subscriptions/apply-pending', why: 'pushes subscription keys onto the remote nodes' },
  { rule: 'DELETE /config/views/*', why: 'deletes the view' },
  { rule: 'PUT /config/certificate', why: certificate },
  ...HOST_ENTRIES,
  { rule: 'DELETE /**', why: 'deletes' },
];

const compile = (entries: Entry[]) => entries.map((e) => ({ ...e, parsed: parseRule(e.rule, 'destructive list') }));
const RULES_BY_PRODUCT: Record<Product, Array<Entry & { parsed: Rule }>> = {
  pve: compile(ENTRIES),
  pbs: compile(PBS_ENTRIES),
  pdm: compile(PDM_ENTRIES),
};

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
export function isDestructive(
  method: string,
  path: string,
  params?: Record<string, unknown>,
  concrete?: string,
  product: Product = 'pve',
): DestructiveVerdict {
  const verb = method.toUpperCase();
  const paths = concrete && concrete !== path ? [path, concrete] : [path];
  for (const entry of RULES_BY_PRODUCT[product]) {
    // A GET is destructive only where a rule names GET itself (PBS has such side-effect reads).
    if (verb === 'GET' && entry.parsed.method !== 'GET') continue;
    if (paths.some((p) => ruleMatches(entry.parsed, verb, p)) && (!entry.when || entry.when(params, paths))) {
      return { destructive: true, why: entry.why };
    }
  }
  return { destructive: false };
}

const described = (entries: Entry[]) => entries.map((e) => ({ rule: e.rule, why: e.why, conditional: e.when !== undefined }));

/** The rules as written, for documentation and tests (PVE's). */
export const DESTRUCTIVE_RULES: ReadonlyArray<{ rule: string; why: string; conditional: boolean }> = described(ENTRIES);

/** Each product's rules as written. */
export const DESTRUCTIVE_RULES_BY_PRODUCT: Readonly<Record<Product, ReadonlyArray<{ rule: string; why: string; conditional: boolean }>>> = {
  pve: described(ENTRIES),
  pbs: described(PBS_ENTRIES),
  pdm: described(PDM_ENTRIES),
};
