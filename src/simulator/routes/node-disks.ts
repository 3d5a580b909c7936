import type { RequestContext } from '../context.js';
import { PveError, paramError } from '../errors.js';
import type { Disk, NodeFacts } from '../node-facts.js';
import { P, opt, type ParamsOf, type Props } from '../params.js';
import { op, returns, taskOp, type Operation } from '../schema.js';
import type { StorageDef } from '../state.js';
import { index, now } from './common.js';
import { factsOf } from './node-system.js';

const AUDIT_ROOT = { check: ['perm', '/', ['Sys.Audit']] };
const MODIFY_ROOT = { check: ['perm', '/', ['Sys.Modify']] };
const NODE = { node: P.node() };
const NAME = P.storage('The storage identifier.');
const DEVICE = P.str('The block device you want to create the volume group on');
const ADD_STORAGE = opt(P.bool('Configure storage using the Volume Group', { default: 0 }));
const CLEANUP = {
  'cleanup-config': opt(
    P.bool(
      'Marks associated storage(s) as not available on this node anymore or removes them from the configuration (if configured for this node only).',
      { default: 0 },
    ),
  ),
  'cleanup-disks': opt(P.bool('Also wipe disks so they can be repurposed afterwards.', { default: 0 })),
};

function diskOr400(facts: NodeFacts, devpath: string, field = 'disk'): Disk {
  const d = facts.disks.find((x) => x.devpath === devpath);
  if (!d) throw paramError({ [field]: `invalid disk path '${devpath}'` });
  return d;
}

function assertUnused(d: Disk): void {
  if (d.used) throw new PveError(500, `disk '${d.devpath}' is already in use (${d.used})`);
}

/** A create with `add_storage` also adds a storage of that name, so the ID must still be free. */
function assertStorageIdFree(ctx: RequestContext<{ readonly name: string; readonly add_storage?: 0 | 1 }>): void {
  if (ctx.params.add_storage && ctx.sim.state.storage(ctx.params.name))
    throw new PveError(500, `storage ID '${ctx.params.name}' already defined`);
}

/** What a remove leaves of a disk: wiped with `cleanup-disks`, else still holding the old data. */
function releaseDisk(d: Disk, cleanup: 0 | 1 | undefined, leftover: string): void {
  if (cleanup) {
    delete d.used;
    d.gpt = 0;
  } else d.used = leftover;
}

/** A create's checks in PVE's order: the device is an unused disk, the name is new, and so is the storage ID. */
function freshDisk(
  ctx: RequestContext<{ readonly node: string; readonly name: string; readonly device: string; readonly add_storage?: 0 | 1 }>,
  taken: (facts: NodeFacts, name: string) => string | undefined,
): { facts: NodeFacts; d: Disk } {
  const facts = factsOf(ctx);
  const d = diskOr400(facts, ctx.params.device, 'device');
  assertUnused(d);
  const refusal = taken(facts, ctx.params.name);
  if (refusal) throw new PveError(500, refusal);
  assertStorageIdFree(ctx);
  return { facts, d };
}

const vgTaken = (facts: NodeFacts, name: string) => (facts.volumeGroups.has(name) ? `volume group '${name}' already exists` : undefined);

/** The create operation of a disk-backed storage kind (`POST /nodes/{node}/disks/<kind>`), a worker task. */
function createOp<const Ps extends Props>(
  kind: string,
  description: string,
  parameters: Ps,
  handler: (ctx: RequestContext<ParamsOf<Ps>>) => string,
): Operation {
  return taskOp<Ps>({
    method: 'POST',
    path: `/nodes/{node}/disks/${kind}`,
    name: 'create',
    description,
    parameters,
    returns: { type: 'string' },
    permissions: MODIFY_ROOT,
    handler,
  });
}

type RemoveParams<Ps extends Props> = typeof NODE & { name: typeof NAME } & Ps & typeof CLEANUP;

/** The remove operation of a disk-backed storage kind (`DELETE /nodes/{node}/disks/<kind>/{name}`). */
function removeOp<const Ps extends Props>(
  kind: string,
  description: string,
  extra: Ps,
  handler: (ctx: RequestContext<ParamsOf<RemoveParams<Ps>>>) => string,
): Operation {
  return taskOp<RemoveParams<Ps>>({
    method: 'DELETE',
    path: `/nodes/{node}/disks/${kind}/{name}`,
    name: 'delete',
    description,
    parameters: { ...NODE, name: NAME, ...extra, ...CLEANUP },
    returns: { type: 'string' },
    permissions: MODIFY_ROOT,
    handler,
  });
}

/** Adds (or extends to this node) the storage a disk operation created, like `add_storage` does on PVE. */
function addStorage(
  ctx: RequestContext<{ readonly node: string }>,
  storage: string,
  type: StorageDef['type'],
  content: string[],
  extra: Record<string, string | number>,
): void {
  const state = ctx.sim.state;
  const existing = state.storage(storage);
  const node: string = ctx.params.node;
  if (existing) {
    const nodes = String(existing.extra.nodes ?? '')
      .split(',')
      .filter(Boolean);
    if (!nodes.length || existing.type !== type) throw new PveError(500, `storage ID '${storage}' already defined`);
    existing.extra.nodes = [...new Set([...nodes, node])].join(',');
    return;
  }
  state.storages.push({ storage, type, content, shared: 0, extra: { ...extra, nodes: node }, total: 0, volumes: new Map() });
}

function cleanupStorage(ctx: RequestContext<{ readonly node: string }>, storage: string): void {
  const state = ctx.sim.state;
  const s = state.storage(storage);
  if (!s) return;
  const nodes = String(s.extra.nodes ?? '')
    .split(',')
    .filter((n) => n && n !== ctx.params.node);
  if (nodes.length) s.extra.nodes = nodes.join(',');
  else state.storages.splice(state.storages.indexOf(s), 1);
}

function diskTask(ctx: RequestContext<{ readonly node: string }>, type: string, id: string, log: string[], effect: () => void): string {
  const facts = factsOf(ctx);
  return ctx.sim.tasks.start({
    node: ctx.params.node,
    type,
    id,
    who: ctx.who,
    log,
    effect: () => {
      effect();
      facts.events.push({ time: now(), tag: `pvedaemon[2210]`, msg: `${type} ${id} done` });
    },
  });
}

function smart(d: Disk): Record<string, unknown> {
  if (d.type === 'nvme') {
    return {
      health: d.health,
      type: 'text',
      text: `\nSMART/Health Information (NVMe Log 0x02)\nCritical Warning:                   0x00\nTemperature:                        38 Celsius\nAvailable Spare:                    100%\nAvailable Spare Threshold:          10%\nPercentage Used:                    ${100 - (d.wearout ?? 100)}%\nData Units Read:                    12,345,678 [6.32 TB]\nData Units Written:                 9,876,543 [5.05 TB]\nPower On Hours:                     8,766\nUnsafe Shutdowns:                   12\nMedia and Data Integrity Errors:    0\n`,
    };
  }
  const failing = d.health === 'FAILED';
  const attr = (id: number, name: string, value: number, worst: number, threshold: number, raw: string, fail = '-') => ({
    id,
    name,
    value,
    worst,
    threshold,
    raw,
    fail,
    flags: 'PO--CK',
    normalized: value,
  });
  return {
    health: d.health,
    type: 'ata',
    attributes: [
      attr(1, 'Raw_Read_Error_Rate', failing ? 51 : 200, failing ? 51 : 200, 51, failing ? '1432' : '0', failing ? 'FAILING_NOW' : '-'),
      attr(
        5,
        'Reallocated_Sector_Ct',
        failing ? 140 : 200,
        failing ? 140 : 200,
        140,
        failing ? '1520' : '0',
        failing ? 'FAILING_NOW' : '-',
      ),
      attr(9, 'Power_On_Hours', 90, 90, 0, '8766'),
      attr(194, 'Temperature_Celsius', 118, 105, 0, '32'),
      attr(197, 'Current_Pending_Sector', failing ? 199 : 200, 199, 0, failing ? '8' : '0'),
      attr(199, 'UDMA_CRC_Error_Count', 200, 200, 0, '0'),
      ...(d.wearout !== undefined ? [attr(177, 'Wear_Leveling_Count', d.wearout, d.wearout, 0, String(100 - d.wearout))] : []),
    ],
  };
}

export function nodeDiskOperations(): Operation[] {
  const poolDevices = (facts: NodeFacts, devices: string): Disk[] => {
    const list = devices
      .split(/[\s,;]+/)
      .filter(Boolean)
      .map((p) => diskOr400(facts, p, 'devices'));
    for (const d of list) assertUnused(d);
    if (new Set(list).size !== list.length) throw paramError({ devices: 'a device is listed twice' });
    return list;
  };
  const MIN_DEVICES: Record<string, number> = {
    single: 1,
    mirror: 2,
    raid10: 4,
    raidz: 3,
    raidz2: 4,
    raidz3: 5,
    draid: 3,
    draid2: 4,
    draid3: 5,
  };
  return [
    op({
      method: 'GET',
      path: '/nodes/{node}/disks',
      name: 'index',
      description: 'Node index.',
      parameters: NODE,
      returns: returns.array({}),
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: () => index(['lvm', 'lvmthin', 'directory', 'zfs', 'list', 'initgpt', 'smart', 'wipedisk'], 'name'),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/disks/list',
      name: 'list',
      description: 'List local disks.',
      parameters: {
        ...NODE,
        'include-partitions': opt(P.bool('Also include partitions.', { default: 0 })),
        skipsmart: opt(P.bool('Skip smart checks.', { default: 0 })),
        type: opt(P.enum('Only list specific types of disks.', ['unused', 'journal_disks'])),
      },
      returns: returns.array({ devpath: P.str('The device path') }),
      permissions: { check: ['or', ['perm', '/', ['Sys.Audit']], ['perm', '/nodes/{node}', ['Sys.Audit']]] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const facts = factsOf(ctx);
        const rows: Record<string, unknown>[] = [];
        for (const d of facts.disks) {
          if (ctx.params.type === 'unused' && d.used) continue;
          rows.push({
            devpath: d.devpath,
            model: d.model,
            serial: d.serial,
            vendor: d.vendor,
            size: d.size,
            type: d.type,
            rpm: d.rpm,
            wwn: d.wwn,
            gpt: d.gpt,
            mounted: d.used === 'mounted' ? 1 : 0,
            osdid: d.osdid,
            'osdid-list': null,
            by_id_link: `/dev/disk/by-id/${d.type === 'nvme' ? 'nvme' : 'ata'}-${d.model.replace(/\s+/g, '_')}_${d.serial}`,
            used: d.used,
            ...(ctx.params.skipsmart
              ? {}
              : { health: d.health, ...(d.wearout !== undefined ? { wearout: d.wearout } : { wearout: 'N/A' }) }),
          });
          if (ctx.params['include-partitions'] && d.gpt && d.used) {
            rows.push({
              devpath: `${d.devpath}${d.type === 'nvme' ? 'p' : ''}1`,
              parent: d.devpath,
              size: 1031168,
              used: 'BIOS boot',
              gpt: 0,
              mounted: 0,
              osdid: -1,
            });
          }
        }
        return rows;
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/disks/smart',
      name: 'smart',
      description: 'Get SMART Health of a disk.',
      parameters: {
        ...NODE,
        disk: P.str('Block device name', { pattern: '^/dev/[a-zA-Z0-9\\/]+$' }),
        healthonly: opt(P.bool('If true returns only the health status')),
      },
      returns: { type: 'object', properties: { health: P.str('') } },
      permissions: AUDIT_ROOT,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const d = diskOr400(factsOf(ctx), ctx.params.disk);
        return ctx.params.healthonly ? { health: d.health } : smart(d);
      },
    }),
    taskOp({
      method: 'POST',
      path: '/nodes/{node}/disks/initgpt',
      name: 'initgpt',
      description: 'Initialize Disk with GPT',
      parameters: {
        ...NODE,
        disk: P.str('Block device name', { pattern: '^/dev/[a-zA-Z0-9\\/]+$' }),
        uuid: opt(P.str('UUID for the GPT table', { maxLength: 36, pattern: '[a-fA-F0-9\\-]+' })),
      },
      returns: { type: 'string' },
      permissions: MODIFY_ROOT,
      handler: (ctx) => {
        const d = diskOr400(factsOf(ctx), ctx.params.disk);
        assertUnused(d);
        if (d.gpt) throw new PveError(500, `disk '${d.devpath}' is already initialized with GPT`);
        return diskTask(ctx, 'diskinit', d.devpath.replace('/dev/', ''), [`initializing disk ${d.devpath} with GPT`], () => {
          d.gpt = 1;
        });
      },
    }),
    taskOp({
      method: 'PUT',
      path: '/nodes/{node}/disks/wipedisk',
      name: 'wipe_disk',
      description: 'Wipe a disk or partition.',
      parameters: { ...NODE, disk: P.str('Block device name', { pattern: '^/dev/[a-zA-Z0-9\\/]+$' }) },
      returns: { type: 'string' },
      permissions: {},
      handler: (ctx) => {
        const d = diskOr400(factsOf(ctx), ctx.params.disk);
        if (d.used === 'BIOS boot' || d.used === 'LVM' || d.used === 'ZFS' || d.used === 'mounted')
          throw new PveError(500, `disk/partition '${d.devpath}' is in use`);
        return diskTask(
          ctx,
          'wipedisk',
          d.devpath.replace('/dev/', ''),
          [
            `wiping disk/partition: ${d.devpath}`,
            '200+0 records in',
            '200+0 records out',
            '209715200 bytes (210 MB, 200 MiB) copied, 0.7 s, 299 MB/s',
          ],
          () => {
            d.gpt = 0;
            delete d.used;
          },
        );
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/disks/lvm',
      name: 'index',
      description: 'List LVM Volume Groups',
      parameters: NODE,
      returns: { type: 'object', properties: { children: { type: 'array', items: { type: 'object' } }, leaf: { type: 'boolean' } } },
      permissions: AUDIT_ROOT,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => ({
        leaf: 0,
        children: [...factsOf(ctx).volumeGroups].map(([name, vg]) => ({
          name,
          size: vg.size,
          free: vg.free,
          leaf: 0,
          children: [{ name: vg.device, size: vg.size, free: vg.free, leaf: 1 }],
        })),
      }),
    }),
    createOp('lvm', 'Create an LVM Volume Group', { ...NODE, name: NAME, device: DEVICE, add_storage: ADD_STORAGE }, (ctx) => {
      const { facts, d } = freshDisk(ctx, vgTaken);
      return diskTask(ctx, 'lvmcreate', ctx.params.name, [`creating volume group '${ctx.params.name}' on ${d.devpath}`], () => {
        d.used = 'LVM';
        facts.volumeGroups.set(ctx.params.name, {
          device: d.devpath,
          size: d.size - 4194304,
          free: d.size - 4194304,
          thinpools: new Map(),
        });
        if (ctx.params.add_storage) addStorage(ctx, ctx.params.name, 'lvm', ['rootdir', 'images'], { vgname: ctx.params.name, shared: 0 });
      });
    }),
    removeOp('lvm', 'Remove an LVM Volume Group.', {}, (ctx) => {
      const facts = factsOf(ctx);
      const vg = facts.volumeGroups.get(ctx.params.name);
      if (!vg) throw new PveError(500, `no such volume group '${ctx.params.name}'`);
      if (ctx.params.name === 'pve') throw new PveError(500, `volume group 'pve' holds the root filesystem and cannot be removed`);
      if (vg.thinpools.size)
        throw new PveError(500, `volume group '${ctx.params.name}' still has thin pools: ${[...vg.thinpools.keys()].join(', ')}`);
      return diskTask(ctx, 'lvmremove', ctx.params.name, [`removing volume group '${ctx.params.name}'`], () => {
        facts.volumeGroups.delete(ctx.params.name);
        const d = facts.disks.find((x) => x.devpath === vg.device);
        if (d) releaseDisk(d, ctx.params['cleanup-disks'], 'LVM (orphaned)');
        if (ctx.params['cleanup-config']) cleanupStorage(ctx, ctx.params.name);
      });
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/disks/lvmthin',
      name: 'index',
      description: 'List LVM thinpools',
      parameters: NODE,
      returns: returns.array({ lv: P.str('The name of the thinpool.') }),
      permissions: AUDIT_ROOT,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const rows: unknown[] = [];
        for (const [vg, def] of factsOf(ctx).volumeGroups) {
          for (const [lv, tp] of def.thinpools) {
            const used =
              vg === 'pve' && lv === 'data' ? ctx.sim.state.usedBytes(ctx.sim.state.storage('local-lvm')!, ctx.params.node) : tp.used;
            rows.push({ lv, vg, lv_size: tp.size, used, metadata_size: Math.floor(tp.size / 100), metadata_used: Math.floor(used / 1000) });
          }
        }
        return rows;
      },
    }),
    createOp('lvmthin', 'Create an LVM thinpool', { ...NODE, name: NAME, device: DEVICE, add_storage: ADD_STORAGE }, (ctx) => {
      const { facts, d } = freshDisk(ctx, vgTaken);
      return diskTask(
        ctx,
        'lvmthincreate',
        ctx.params.name,
        [`creating volume group '${ctx.params.name}' and thin pool '${ctx.params.name}' on ${d.devpath}`],
        () => {
          d.used = 'LVM';
          const size = Math.floor(d.size * 0.99);
          facts.volumeGroups.set(ctx.params.name, {
            device: d.devpath,
            size: d.size,
            free: d.size - size,
            thinpools: new Map([[ctx.params.name, { size, used: 0 }]]),
          });
          if (ctx.params.add_storage)
            addStorage(ctx, ctx.params.name, 'lvmthin', ['rootdir', 'images'], { vgname: ctx.params.name, thinpool: ctx.params.name });
        },
      );
    }),
    removeOp('lvmthin', 'Remove an LVM thin pool.', { 'volume-group': P.storage('The storage identifier.') }, (ctx) => {
      const facts = factsOf(ctx);
      const vg = facts.volumeGroups.get(ctx.params['volume-group']);
      if (!vg?.thinpools.has(ctx.params.name))
        throw new PveError(500, `no such thin pool '${ctx.params['volume-group']}/${ctx.params.name}'`);
      const storage = ctx.sim.state.storages.find(
        (s) => s.type === 'lvmthin' && s.extra.vgname === ctx.params['volume-group'] && s.extra.thinpool === ctx.params.name,
      );
      if (storage && ctx.sim.state.volumesOn(storage, ctx.params.node).length)
        throw new PveError(500, `thin pool '${ctx.params.name}' still holds guest volumes`);
      return diskTask(
        ctx,
        'lvmthinremove',
        ctx.params.name,
        [`removing thin pool '${ctx.params['volume-group']}/${ctx.params.name}'`],
        () => {
          vg.thinpools.delete(ctx.params.name);
          if (ctx.params['cleanup-config'] && storage) cleanupStorage(ctx, storage.storage);
        },
      );
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/disks/directory',
      name: 'index',
      description: 'PVE Managed Directory storages.',
      parameters: NODE,
      returns: returns.array({ path: P.str('The mount path.') }),
      permissions: AUDIT_ROOT,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) =>
        [...factsOf(ctx).directories].map(([name, d]) => ({
          unitfile: `/etc/systemd/system/mnt-pve-${name}.mount`,
          path: d.path,
          device: `${d.device}1`,
          type: d.filesystem,
          options: 'defaults',
        })),
    }),
    createOp(
      'directory',
      "Create a Filesystem on an unused disk. Will be mounted under '/mnt/pve/NAME'.",
      {
        ...NODE,
        name: NAME,
        device: P.str('The block device you want to create the filesystem on.'),
        filesystem: opt(P.enum('The desired filesystem.', ['ext4', 'xfs'], { default: 'ext4' })),
        add_storage: ADD_STORAGE,
      },
      (ctx) => {
        const { facts, d } = freshDisk(ctx, (f, name) =>
          f.directories.has(name) ? `mount point '/mnt/pve/${name}' exists already` : undefined,
        );
        const fs = ctx.params.filesystem ?? 'ext4';
        return diskTask(
          ctx,
          'dircreate',
          ctx.params.name,
          [
            `# /sbin/sgdisk -n1 -t1:8300 ${d.devpath}`,
            `# /sbin/mkfs -t ${fs} ${d.devpath}1`,
            `# /bin/systemctl enable --now mnt-pve-${ctx.params.name}.mount`,
          ],
          () => {
            d.used = 'mounted';
            d.gpt = 1;
            const path = `/mnt/pve/${ctx.params.name}`;
            facts.directories.set(ctx.params.name, { device: d.devpath, filesystem: fs, path });
            if (ctx.params.add_storage)
              addStorage(ctx, ctx.params.name, 'dir', ['iso', 'vztmpl', 'backup', 'images', 'rootdir', 'snippets'], {
                path,
                is_mountpoint: 'yes',
              });
          },
        );
      },
    ),
    removeOp('directory', 'Unmounts the storage and removes the mount unit.', {}, (ctx) => {
      const facts = factsOf(ctx);
      const dir = facts.directories.get(ctx.params.name);
      if (!dir) throw new PveError(500, `no such directory storage mount '${ctx.params.name}'`);
      return diskTask(ctx, 'dirremove', ctx.params.name, [`removing mount unit mnt-pve-${ctx.params.name}.mount`], () => {
        facts.directories.delete(ctx.params.name);
        const d = facts.disks.find((x) => x.devpath === dir.device);
        if (d) releaseDisk(d, ctx.params['cleanup-disks'], 'partitions');
        if (ctx.params['cleanup-config']) cleanupStorage(ctx, ctx.params.name);
      });
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/disks/zfs',
      name: 'index',
      description: 'List Zpools.',
      parameters: NODE,
      returns: returns.array({ name: P.str('') }, 'name'),
      permissions: AUDIT_ROOT,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) =>
        [...factsOf(ctx).zfsPools].map(([name, z]) => ({
          name,
          size: z.size,
          alloc: z.alloc,
          free: z.size - z.alloc,
          frag: 1,
          dedup: 1,
          health: 'ONLINE',
        })),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/disks/zfs/{name}',
      name: 'detail',
      description: 'Get details about a zpool.',
      parameters: { ...NODE, name: NAME },
      returns: { type: 'object', properties: { name: P.str(''), state: P.str('') } },
      permissions: AUDIT_ROOT,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const z = factsOf(ctx).zfsPools.get(ctx.params.name);
        if (!z) throw new PveError(500, `zpool '${ctx.params.name}' does not exist`);
        const vdev = z.raidlevel === 'single' ? undefined : `${z.raidlevel}-0`;
        const leaves = z.devices.map((dev) => ({ name: dev.replace('/dev/', ''), state: 'ONLINE', read: 0, write: 0, cksum: 0, leaf: 1 }));
        return {
          name: ctx.params.name,
          state: 'ONLINE',
          status: '',
          action: '',
          scan: 'none requested',
          errors: 'No known data errors',
          children: [
            {
              name: ctx.params.name,
              state: 'ONLINE',
              read: 0,
              write: 0,
              cksum: 0,
              children: vdev ? [{ name: vdev, state: 'ONLINE', read: 0, write: 0, cksum: 0, children: leaves }] : leaves,
            },
          ],
        };
      },
    }),
    createOp(
      'zfs',
      'Create a ZFS pool.',
      {
        ...NODE,
        name: NAME,
        devices: P.str('The block devices you want to create the zpool on.', { format: 'string-list' }),
        raidlevel: P.enum('The RAID level to use.', [
          'single',
          'mirror',
          'raid10',
          'raidz',
          'raidz2',
          'raidz3',
          'draid',
          'draid2',
          'draid3',
        ]),
        ashift: opt(P.int('Pool sector size exponent.', { minimum: 9, maximum: 16, default: 12 })),
        compression: opt(
          P.enum('The compression algorithm to use.', ['on', 'off', 'gzip', 'lz4', 'lzjb', 'zle', 'zstd'], { default: 'on' }),
        ),
        add_storage: opt(P.bool('Configure storage using the zpool.', { default: 0 })),
      },
      (ctx) => {
        const facts = factsOf(ctx);
        const devices = poolDevices(facts, ctx.params.devices);
        const level: string = ctx.params.raidlevel;
        if (devices.length < MIN_DEVICES[level]) throw paramError({ devices: `${level} needs at least ${MIN_DEVICES[level]} devices` });
        if (level === 'single' && devices.length > 1) throw paramError({ devices: 'raidlevel single takes exactly one device' });
        if (level === 'raid10' && devices.length % 2) throw paramError({ devices: 'raid10 needs an even number of devices' });
        if (facts.zfsPools.has(ctx.params.name)) throw new PveError(500, `zpool '${ctx.params.name}' already exists`);
        assertStorageIdFree(ctx);
        const smallest = Math.min(...devices.map((d) => d.size));
        const parity =
          {
            single: 0,
            mirror: devices.length - 1,
            raid10: devices.length / 2,
            raidz: 1,
            raidz2: 2,
            raidz3: 3,
            draid: 1,
            draid2: 2,
            draid3: 3,
          }[level] ?? 0;
        const size = smallest * (devices.length - parity);
        return diskTask(
          ctx,
          'zfscreate',
          ctx.params.name,
          [
            `# zpool create -o ashift=${ctx.params.ashift ?? 12} ${ctx.params.name} ${level === 'single' ? '' : level + ' '}${devices.map((d) => d.devpath).join(' ')}`,
            `# zfs set compression=${ctx.params.compression ?? 'on'} ${ctx.params.name}`,
          ],
          () => {
            for (const d of devices) {
              d.used = 'ZFS';
              d.gpt = 1;
            }
            facts.zfsPools.set(ctx.params.name, {
              devices: devices.map((d) => d.devpath),
              raidlevel: level,
              size,
              alloc: 589824,
              ashift: ctx.params.ashift ?? 12,
              compression: ctx.params.compression ?? 'on',
            });
            if (ctx.params.add_storage)
              addStorage(ctx, ctx.params.name, 'zfspool', ['rootdir', 'images'], { pool: ctx.params.name, sparse: 1 });
          },
        );
      },
    ),
    removeOp('zfs', 'Destroy a ZFS pool.', {}, (ctx) => {
      const facts = factsOf(ctx);
      const z = facts.zfsPools.get(ctx.params.name);
      if (!z) throw new PveError(500, `zpool '${ctx.params.name}' does not exist`);
      const storage = ctx.sim.state.storages.find((s) => s.type === 'zfspool' && s.extra.pool === ctx.params.name);
      if (storage && ctx.sim.state.volumesOn(storage, ctx.params.node).length)
        throw new PveError(500, `cannot destroy '${ctx.params.name}': pool is busy`);
      return diskTask(ctx, 'zfsremove', ctx.params.name, [`# zpool destroy ${ctx.params.name}`], () => {
        facts.zfsPools.delete(ctx.params.name);
        for (const d of facts.disks) if (z.devices.includes(d.devpath)) releaseDisk(d, ctx.params['cleanup-disks'], 'ZFS (destroyed pool)');
        if (ctx.params['cleanup-config'] && storage) cleanupStorage(ctx, storage.storage);
      });
    }),
  ];
}
