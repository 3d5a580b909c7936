import type { RequestContext } from '../context.js';
import type { MayHave } from '../params.js';
import { PveError } from '../errors.js';
import type { Guest, SimState } from '../state.js';
import { agentEnabled, parsePropertyString, parseSize, isDiskKey } from '../state.js';

export const now = () => Math.floor(Date.now() / 1000);

/** Root disk size and allocated memory of a guest, as the status answers report them. */
export function guestSizes(g: Guest): { maxdisk: number; maxmem: number; cpus: number } {
  const diskKey =
    g.type === 'qemu'
      ? Object.keys(g.config).find((k) => /^(scsi|virtio|sata|ide)\d+$/.test(k) && !String(g.config[k]).includes('media=cdrom'))
      : 'rootfs';
  const spec = diskKey ? parsePropertyString(String(g.config[diskKey] ?? ''), 'file') : {};
  const maxdisk = spec.size ? parseSize(spec.size) : 0;
  const mem =
    g.type === 'qemu' ? parsePropertyString(String(g.config.memory ?? '2048'), 'current').current : String(g.config.memory ?? 512);
  const cores = Number(g.config.cores ?? 1) * Number(g.config.sockets ?? 1);
  return { maxdisk, maxmem: Number(mem) * 1024 * 1024, cpus: cores };
}

/** Deterministic, plausible live numbers for a running guest. */
export function liveStats(g: Guest): Record<string, number> {
  const { maxdisk, maxmem } = guestSizes(g);
  const up = g.power !== 'stopped';
  const uptime = up ? Math.max(1, now() - g.startedAt) : 0;
  const seed = g.vmid % 97;
  return {
    cpu: up ? Number(((seed % 13) / 100 + 0.003).toFixed(6)) : 0,
    mem: up ? Math.floor(maxmem * (0.2 + (seed % 50) / 100)) : 0,
    disk: g.type === 'lxc' && up ? Math.floor(maxdisk * 0.3) : 0,
    diskread: up ? uptime * 4096 * (seed + 1) : 0,
    diskwrite: up ? uptime * 2048 * (seed + 1) : 0,
    netin: up ? uptime * 1500 * (seed + 1) : 0,
    netout: up ? uptime * 900 * (seed + 1) : 0,
    uptime,
  };
}

export function apiStatus(g: Guest): 'running' | 'stopped' {
  return g.power === 'stopped' ? 'stopped' : 'running';
}

/** One row of /cluster/resources for a guest; `unknown` while its node is offline. */
export function guestResource(state: SimState, g: Guest, offline: boolean): Record<string, unknown> {
  const base: Record<string, unknown> = { id: `${g.type}/${g.vmid}`, type: g.type, vmid: g.vmid, node: g.node };
  if (offline) {
    const row: Record<string, unknown> = { ...base, status: 'unknown', name: state.guestName(g), template: g.config.template ? 1 : 0 };
    if (g.hastate) row.hastate = g.hastate;
    return row;
  }
  const { maxdisk, maxmem, cpus } = guestSizes(g);
  const s = liveStats(g);
  const row: Record<string, unknown> = {
    ...base,
    name: state.guestName(g),
    status: apiStatus(g),
    maxcpu: cpus,
    maxmem,
    maxdisk,
    cpu: s.cpu,
    mem: s.mem,
    disk: s.disk,
    diskread: s.diskread,
    diskwrite: s.diskwrite,
    netin: s.netin,
    netout: s.netout,
    uptime: s.uptime,
    template: g.config.template ? 1 : 0,
  };
  if (g.type === 'qemu') row.memhost = s.mem;
  if (g.config.lock) row.lock = g.config.lock;
  if (g.config.tags) row.tags = g.config.tags;
  if (g.pool) row.pool = g.pool;
  if (g.hastate) row.hastate = g.hastate;
  return row;
}

/** PVE refuses most changes to a locked guest unless root asks with skiplock. */
export function assertUnlocked(ctx: RequestContext<MayHave<{ readonly skiplock?: 0 | 1 }>>, g: Guest): void {
  if (!g.config.lock) return;
  if (ctx.params.skiplock && ctx.who.userid === 'root@pam' && !ctx.who.tokenid) return;
  throw new PveError(500, `${g.type === 'qemu' ? 'VM' : 'CT'} is locked (${g.config.lock})`);
}

export function assertNotTemplate(g: Guest, what: string): void {
  if (g.config.template) throw new PveError(500, what);
}

export function guestAgentEnabled(g: Guest): boolean {
  return g.type === 'qemu' && agentEnabled(g.config);
}

/** Volume ids a guest config refers to (disks and unused entries). */
export function guestVolumes(g: Guest): string[] {
  const vols: string[] = [];
  for (const [key, value] of Object.entries(g.config)) {
    if (!isDiskKey(g.type, key) && !/^unused\d+$/.test(key)) continue;
    const spec = parsePropertyString(String(value), g.type === 'qemu' ? 'file' : 'volume');
    const vol = spec.file ?? spec.volume;
    if (vol && vol.includes(':') && !String(value).includes('media=cdrom')) vols.push(vol);
  }
  return vols;
}

export function index(names: string[], key = 'subdir'): Array<Record<string, string>> {
  return names.map((n) => ({ [key]: n }));
}

/** A parameter PVE declares optional although it is part of the path, so the router always fills it. */
export function inPath<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new PveError(400, `path parameter '${name}' missing`);
  return value;
}

/** The storage types PVE 9.2 knows, as its storage create and list operations declare them. */
export const STORAGE_TYPES = [
  'btrfs',
  'cephfs',
  'cifs',
  'dir',
  'esxi',
  'iscsi',
  'iscsidirect',
  'lvm',
  'lvmthin',
  'nfs',
  'pbs',
  'rbd',
  'zfs',
  'zfspool',
] as const;
