import { PveError } from '../errors.js';
import { opt, P, type Props } from '../params.js';
import { op, type Operation, returns, taskOp } from '../schema.js';
import { type ConfigValue, formatSize, type GuestType, isDiskKey, parsePropertyString, parseSize } from '../state.js';
import { assertNotTemplate, assertUnlocked, guestSizes, guestVolumes, now } from './common.js';
import {
  assertDigest,
  DIGEST,
  DISK_SLOTS,
  getGuest,
  KINDS,
  SKIPLOCK,
  snapName,
  snapshotOf,
  startTask,
  unlockedGuest,
  VMID_PATH,
} from './guest-shared.js';

/** Guest operations (QEMU and LXC): clone, migrate, resize and template. */
export function guestMovesOperations(type: GuestType): Operation[] {
  const kind = KINDS[type];
  const base = `/nodes/{node}/${type}`;
  const vm = `${base}/{vmid}`;
  const label = kind.label;
  const ops: Operation[] = [];
  const cloneParams = {
    ...VMID_PATH,
    newid: P.vmid('VMID for the clone.'),
    description: opt(P.str('Description for the new VM.')),
    full: opt(
      P.bool(
        'Create a full copy of all disks. This is always done when you clone a normal VM. For VM templates, we try to create a linked clone by default.',
      ),
    ),
    pool: opt(P.str('Add the new VM to the specified pool.', { format: 'pve-poolid' })),
    snapname: opt(snapName),
    storage: opt(P.storage('Target storage for full clone.')),
    target: opt(P.node('Target node. Only allowed if the original VM is on shared storage.')),
    ...(type === 'qemu'
      ? { name: opt(P.str('Set a name for the new VM.', { format: 'dns-name' })) }
      : { hostname: opt(P.str('Set a hostname for the new CT.')) }),
  } satisfies Props;
  ops.push(
    taskOp({
      method: 'POST',
      path: `${vm}/clone`,
      name: 'clone_vm',
      description: type === 'qemu' ? 'Create a copy of virtual machine/template.' : 'Create a container clone/copy',
      parameters: cloneParams,
      returns: { type: 'string' },
      permissions: {
        check: [
          'and',
          ['perm', '/vms/{vmid}', ['VM.Clone']],
          ['or', ['perm', '/vms/{newid}', ['VM.Allocate']], ['perm', '/pool/{pool}', ['VM.Allocate'], 'require_param', 'pool']],
        ],
      },
      handler: (ctx) => {
        const state = ctx.sim.state;
        const g = getGuest(ctx, kind);
        const newid: number = ctx.params.newid;
        const existing = state.guests.get(newid);
        if (existing) throw new PveError(500, `VM ${newid} already exists on node '${existing.node}'`);
        if (type === 'lxc' && g.power !== 'stopped' && !ctx.params.snapname)
          throw new PveError(500, 'cannot clone running container without snapshot');
        const targetNode: string = ctx.params.target ?? g.node;
        if (!state.node(targetNode)) throw new PveError(500, `no such cluster node '${targetNode}'`);
        const source = ctx.params.snapname ? snapshotOf(g, ctx.params.snapname).config : g.config;
        const name = ctx.params.name ?? ctx.params.hostname ?? `Copy-of-${type === 'qemu' ? 'VM' : 'CT'}-${state.guestName(g)}`;
        const clone = state.addGuest({
          vmid: newid,
          type,
          node: targetNode,
          name,
          power: 'stopped',
          memory: 0,
          cores: 1,
          disk: 0,
          os: g.osRelease,
          agentRunning: g.agentRunning,
        });
        state.removeVolumes(targetNode, (v) => v.vmid === newid);
        clone.config = { lock: 'create' };
        clone.os = g.os;
        if (ctx.params.pool) clone.pool = ctx.params.pool;
        return startTask(
          ctx,
          kind,
          g,
          'clone',
          () => {
            const cfg: Record<string, ConfigValue> = {};
            for (const [k, v] of Object.entries(source)) {
              if (k === 'lock' || k === 'template' || /^unused\d+$/.test(k)) continue;
              if (isDiskKey(type, k) && !String(v).includes('media=cdrom')) {
                const parts = String(v).split(',');
                const spec = parsePropertyString(String(v), type === 'qemu' ? 'file' : 'volume');
                const storageName = ctx.params.storage ?? String(spec.file ?? spec.volume ?? 'local-lvm:x').split(':')[0];
                const size = spec.size ? parseSize(spec.size) : 8 * 1024 ** 3;
                const volid = `${storageName}:${type === 'qemu' ? 'vm' : 'subvol'}-${newid}-disk-${k === 'efidisk0' ? 1 : k === 'tpmstate0' ? 2 : Object.keys(cfg).filter((x) => isDiskKey(type, x)).length}`;
                state.addVolume(targetNode, {
                  volid,
                  content: type === 'qemu' ? 'images' : 'rootdir',
                  format: 'raw',
                  size,
                  ctime: now(),
                  vmid: newid,
                });
                cfg[k] = [volid, ...parts.slice(1)].join(',');
              } else cfg[k] = v;
            }
            if (type === 'qemu') cfg.name = name;
            else cfg.hostname = name;
            if (ctx.params.description) cfg.description = ctx.params.description;
            clone.config = cfg;
            state.resetGuestFiles(clone);
            return [`create ${ctx.params.full || !g.config.template ? 'full' : 'linked'} clone of drive scsi0`];
          },
          {
            onFail: () => {
              state.guests.delete(newid);
              state.removeVolumes(targetNode, (v) => v.vmid === newid);
            },
          },
        );
      },
    }),
  );

  const migrateParams = {
    ...VMID_PATH,
    target: P.node('Target node.'),
    online: opt(
      P.bool(type === 'qemu' ? 'Use online/live migration if VM is running. Ignored if VM is stopped.' : 'Use online/live migration.'),
    ),
    bwlimit:
      type === 'qemu'
        ? opt(P.int('Override I/O bandwidth limit (in KiB/s).', { minimum: 0, default: 'migrate limit from datacenter or storage config' }))
        : opt(
            P.num('Override I/O bandwidth limit (in KiB/s).', { minimum: 0, default: 'migrate limit from datacenter or storage config' }),
          ),
    ...(type === 'qemu'
      ? {
          'with-local-disks': opt(P.bool('Enable live storage migration for local disk')),
          force: opt(P.bool('Allow to migrate VMs which use local devices. Only root may use this option.')),
        }
      : {
          restart: opt(P.bool('Use restart migration')),
          timeout: opt(P.int('Timeout in seconds for shutdown for restart migration', { default: 180 })),
        }),
  } satisfies Props;
  ops.push(
    taskOp({
      method: 'POST',
      path: `${vm}/migrate`,
      name: 'migrate_vm',
      description:
        type === 'qemu'
          ? 'Migrate virtual machine. Creates a new migration task.'
          : 'Migrate the container to another node. Creates a new migration task.',
      parameters: migrateParams,
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Migrate']] },
      handler: (ctx) => {
        const state = ctx.sim.state;
        const g = getGuest(ctx, kind);
        const target: string = ctx.params.target;
        if (target === g.node) throw new PveError(500, 'target is local node.');
        if (!state.node(target)) throw new PveError(500, `no such cluster node '${target}'`);
        if (ctx.sim.faults.offlineNodes.has(target)) throw new PveError(500, `target node '${target}' is not online`);
        assertUnlocked(ctx, g);
        if (g.power !== 'stopped' && !ctx.params.online && !ctx.params.restart) {
          throw new PveError(
            500,
            type === 'qemu'
              ? `can't migrate running VM without --online`
              : `lxc live migration is currently not implemented - use 'restart' migration instead`,
          );
        }
        g.config.lock = 'migrate';
        const from = g.node;
        return startTask(
          ctx,
          kind,
          g,
          'migrate',
          () => {
            delete g.config.lock;
            const vols = new Set(guestVolumes(g));
            for (const s of state.storages) {
              if (s.shared) continue;
              const src = state.volumesOn(s, from);
              const moving = src.filter((v) => vols.has(v.volid) || v.vmid === g.vmid);
              for (const v of moving) src.splice(src.indexOf(v), 1);
              state.volumesOn(s, target).push(...moving);
            }
            g.node = target;
            return [
              `starting migration of ${label} ${g.vmid} to node '${target}' (${state.node(target)!.ip})`,
              `migration finished successfully (duration 00:00:01)`,
            ];
          },
          { onFail: () => delete g.config.lock },
        );
      },
    }),
  );
  if (type === 'qemu') {
    ops.push(
      op({
        method: 'GET',
        path: `${vm}/migrate`,
        name: 'migrate_vm_precondition',
        description: 'Get preconditions for migration.',
        parameters: { ...VMID_PATH, target: opt(P.node('Target node.')) },
        returns: { type: 'object', properties: { running: P.bool('Determines if the VM is running.') } },
        permissions: { check: ['perm', '/vms/{vmid}', ['VM.Migrate']] },
        protected: 1,
        proxyto: 'node',
        handler: (ctx) => {
          const g = getGuest(ctx, kind);
          const others = ctx.sim.state.nodes.map((n) => n.node).filter((n) => n !== g.node);
          return {
            running: g.power === 'stopped' ? 0 : 1,
            allowed_nodes: others.filter((n) => !ctx.sim.faults.offlineNodes.has(n)),
            not_allowed_nodes: Object.fromEntries(
              others.filter((n) => ctx.sim.faults.offlineNodes.has(n)).map((n) => [n, { unavailable_storages: [] }]),
            ),
            local_disks: guestVolumes(g)
              .filter((v) => v.startsWith('local'))
              .map((volid) => ({ volid, size: guestSizes(g).maxdisk, is_unused: 0, replicate: 1, drivename: 'scsi0' })),
            local_resources: [],
            'mapped-resources': [],
            'mapped-resource-info': {},
            'has-dbus-vmstate': 0,
          };
        },
      }),
    );
  }

  const resizeParams = {
    ...VMID_PATH,
    disk:
      type === 'qemu'
        ? P.enum('The disk you want to resize.', DISK_SLOTS)
        : P.enum('The disk you want to resize.', ['rootfs', ...Array.from({ length: 256 }, (_, i) => `mp${i}`)]),
    size: P.str(
      'The new size. With the `+` sign the value is added to the actual size of the volume and without it, the value is taken as an absolute one. Shrinking disk size is not supported.',
      { pattern: '\\+?\\d+(\\.\\d+)?[KMGT]?' },
    ),
    ...DIGEST,
    ...(type === 'qemu' ? SKIPLOCK : {}),
  } satisfies Props;
  ops.push(
    taskOp({
      method: 'PUT',
      path: `${vm}/resize`,
      name: 'resize_vm',
      description: type === 'qemu' ? 'Extend volume size.' : 'Resize a container mount point.',
      parameters: resizeParams,
      permissions: {
        check: type === 'lxc' ? ['perm', '/vms/{vmid}', ['VM.Config.Disk'], 'any', 1] : ['perm', '/vms/{vmid}', ['VM.Config.Disk']],
      },
      handler: (ctx) => {
        const g = unlockedGuest(ctx, kind);
        assertDigest(ctx, g);
        const key: string = ctx.params.disk;
        const value = g.config[key];
        if (value === undefined) throw new PveError(500, `disk '${key}' does not exist`);
        if (String(value).includes('media=cdrom')) throw new PveError(500, `you can't resize a cdrom`);
        const defaultKey = type === 'qemu' ? 'file' : 'volume';
        const spec = parsePropertyString(String(value), defaultKey);
        const current = spec.size ? parseSize(spec.size) : 0;
        const sizeText: string = ctx.params.size;
        const delta = parseSize(sizeText.replace(/^\+/, ''));
        const next = sizeText.startsWith('+') ? current + delta : delta;
        if (next < current) throw new PveError(500, `shrinking disks is not supported`);
        return startTask(ctx, kind, g, 'resize', () => {
          g.config[key] =
            String(g.config[key]).replace(/(^|,)size=[^,]*/, `$1size=${formatSize(next)}`) + (spec.size ? '' : `,size=${formatSize(next)}`);
          ctx.sim.state.removeVolumes(g.node, () => false);
          for (const s of ctx.sim.state.storages)
            for (const v of ctx.sim.state.volumesOn(s, g.node)) if (v.volid === spec[defaultKey]) v.size = next;
          return [`Size of logical volume changed from ${formatSize(current)} to ${formatSize(next)}.`];
        });
      },
    }),
  );

  const templateParams = {
    ...VMID_PATH,
    ...(type === 'qemu' ? { disk: opt(P.enum('If you want to convert only 1 disk to base image.', DISK_SLOTS)) } : {}),
  } satisfies Props;
  ops.push(
    taskOp({
      method: 'POST',
      path: `${vm}/template`,
      name: 'template',
      description: type === 'qemu' ? 'Create a Template.' : 'Create a Template.',
      parameters: templateParams,
      // A VM becomes a template in a worker task; a container is converted at once.
      returns: type === 'qemu' ? returns.upid : returns.null,
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Allocate']], description: "You need 'VM.Allocate' permissions on /vms/{vmid}" },
      handler: (ctx) => {
        const g = unlockedGuest(ctx, kind);
        assertNotTemplate(g, type === 'qemu' ? 'VM is already a template' : 'CT is already a template');
        if (g.power !== 'stopped')
          throw new PveError(
            500,
            type === 'qemu' ? "you can't convert a template to a running VM" : "you can't convert a CT to template if the CT is running",
          );
        const convert = () => {
          g.config.template = 1;
          for (const key of Object.keys(g.config)) {
            if (isDiskKey(type, key)) g.config[key] = String(g.config[key]).replace(/:(vm|subvol)-/, ':base-');
          }
          for (const s of ctx.sim.state.storages)
            for (const v of ctx.sim.state.volumesOn(s, g.node)) if (v.vmid === g.vmid) v.volid = v.volid.replace(/:(vm|subvol)-/, ':base-');
        };
        if (type === 'lxc') {
          convert();
          return null;
        }
        return startTask(ctx, kind, g, 'template', convert);
      },
    }),
  );
  return ops;
}
