import type { ConfigValue, Guest } from './state.js';

/**
 * Pending changes like PVE's: an edit to a running guest that cannot be applied live (hot-plugged) is kept
 * in the config's `[pending]` section until the guest is stopped (or rebooted), then applied.
 */

/** Options PVE writes at once even while the guest runs (they only matter to PVE itself). */
const ALWAYS_LIVE = /^(name|hostname|description|onboot|tags|protection|startup|lock|hookscript|vmstatestorage|agent|template)$/;
/** QEMU's default `hotplug: network,disk,usb` (ide/sata are not hot-pluggable; a CD-ROM change is). */
const QEMU_HOTPLUG = /^(net\d+|scsi\d+|virtio\d+|usb\d+|unused\d+)$/;
/** A running container takes resource limits and network changes live. */
const LXC_LIVE = /^(memory|swap|cores|cpulimit|cpuunits|net\d+|nameserver|searchdomain)$/;

export function isLiveChange(g: Guest, key: string, value: ConfigValue | undefined): boolean {
  if (ALWAYS_LIVE.test(key)) return true;
  if (g.type === 'lxc') return LXC_LIVE.test(key);
  if (QEMU_HOTPLUG.test(key)) return true;
  if (/^(ide|sata)\d+$/.test(key) && String(value ?? g.config[key] ?? '').includes('media=cdrom')) return true;
  if (/^(ciuser|cipassword|sshkeys|ipconfig\d+|nameserver|searchdomain|citype|cicustom)$/.test(key)) return true;
  return false;
}

/** The config as it will be after the next restart. */
export function withPending(g: Guest): Record<string, ConfigValue> {
  const out = { ...g.config, ...(g.pending ?? {}) };
  for (const k of g.pendingDelete ?? []) delete out[k];
  return out;
}

/** Applies what waited for the restart. */
export function applyPending(g: Pick<Guest, 'config' | 'pending' | 'pendingDelete'>): void {
  if (g.pending) Object.assign(g.config, g.pending);
  for (const k of g.pendingDelete ?? []) delete g.config[k];
  g.pending = undefined;
  g.pendingDelete = undefined;
}

/** Rows of `GET .../pending`: every key, with `pending` or `delete` where a change waits. */
export function pendingRows(g: Guest): Array<Record<string, unknown>> {
  const keys = new Set([...Object.keys(g.config), ...Object.keys(g.pending ?? {}), ...(g.pendingDelete ?? [])]);
  return [...keys]
    .filter((k) => k !== 'digest')
    .sort()
    .map((key) => {
      const row: Record<string, unknown> = { key };
      if (g.config[key] !== undefined) row.value = g.config[key];
      if (g.pending && key in g.pending) row.pending = g.pending[key];
      if (g.pendingDelete?.includes(key)) row.delete = 1;
      return row;
    });
}
