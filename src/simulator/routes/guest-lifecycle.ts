import { hasPriv, requirePriv } from '../access.js';
import { PveError } from '../errors.js';
import { opt, P, type Props } from '../params.js';
import { op, type Operation, returns, taskOp } from '../schema.js';
import type { GuestType } from '../state.js';
import { guestVolumes, index, now } from './common.js';
import {
  applyConfig,
  cryptoUuid,
  getGuest,
  KINDS,
  listRow,
  setRunning,
  SKIPLOCK,
  splitConfigParams,
  startTask,
  unlockedGuest,
  VMID_PATH,
} from './guest-shared.js';

/** Guest operations (QEMU and LXC): index, create and destroy. */
export function guestLifecycleOperations(type: GuestType): Operation[] {
  const kind = KINDS[type];
  const base = `/nodes/{node}/${type}`;
  const vm = `${base}/{vmid}`;
  const label = kind.label;
  const lower = type === 'qemu' ? 'VM' : 'container';
  const ops: Operation[] = [];
  ops.push(
    op({
      method: 'GET',
      path: base,
      name: 'vmlist',
      description: `${type === 'qemu' ? 'Virtual machine' : 'LXC container'} index (per node).`,
      parameters: type === 'qemu' ? { full: opt(P.bool('Determine the full status of active VMs.')), node: P.node() } : { node: P.node() },
      returns: returns.array({ vmid: P.vmid(), status: P.enum('QEMU process status.', ['stopped', 'running']) }, 'vmid'),
      permissions: {
        description: `Only list ${type === 'qemu' ? 'VMs' : 'CTs'} where you have VM.Audit permissions on /vms/<vmid>.`,
        user: 'all',
      },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        return [...ctx.sim.state.guests.values()]
          .filter((g) => g.node === ctx.params.node && g.type === type && hasPriv(ctx.who, `/vms/${g.vmid}`, 'VM.Audit'))
          .map((g) => listRow(ctx, kind, g));
      },
    }),
  );

  // A container's `template` flag is set by the template call, not on create.
  const { template: _template, ...lxcConfig } = kind.config;
  const createParams = {
    ...(type === 'lxc' ? lxcConfig : kind.config),
    node: P.node(),
    vmid: P.vmid(`The (unique) ID of the ${lower}.`),
    pool: opt(P.str('Add the VM to the specified pool.', { format: 'pve-poolid' })),
    start: opt(P.bool(`Start ${lower} after it was created successfully.`, { default: 0 })),
    storage: opt(P.storage('Default storage.')),
    ...(type === 'lxc'
      ? {
          ostemplate: P.str('The OS template or backup file.', { maxLength: 255 }),
          password: opt(P.str('Sets root password inside container.', { minLength: 5 })),
          'ssh-public-keys': opt(P.str('Setup public SSH keys (one key per line, OpenSSH format).')),
          restore: opt(P.bool('Mark this as restore task.', { default: 0 })),
          force: opt(P.bool('Allow to overwrite existing container.')),
        }
      : {
          archive: opt(
            P.str('The backup archive. Either the file system path to a .tar or .vma file or a proxmox storage backup volume identifier.', {
              maxLength: 255,
            }),
          ),
          force: opt(P.bool('Allow to overwrite existing VM.')),
        }),
    unique: opt(P.bool('Assign a unique random ethernet address.')),
  } satisfies Props;
  ops.push(
    taskOp({
      method: 'POST',
      path: base,
      name: 'create_vm',
      description: type === 'qemu' ? 'Create or restore a virtual machine.' : 'Create or restore a container.',
      parameters: createParams,
      returns: { type: 'string' },
      permissions: { description: `You need 'VM.Allocate' permissions on /vms/{vmid} or on the VM pool /pool/{pool}.`, user: 'all' },
      handler: (ctx) => {
        const state = ctx.sim.state;
        const vmid: number = ctx.params.vmid;
        requirePriv(ctx.who, `/vms/${vmid}`, 'VM.Allocate');
        // A restore reads a backup volume: `archive` (qemu), or `ostemplate` with restore=1 (lxc).
        const archive: string | undefined = type === 'qemu' ? ctx.params.archive : ctx.params.restore ? ctx.params.ostemplate : undefined;
        const existing = state.guests.get(vmid);
        /** The guest's own disks: its backups stay whatever happens to it. */
        const ownDisk = (v: { vmid?: number; content: string }) => v.vmid === vmid && v.content !== 'backup';
        const short = type === 'lxc' ? 'CT' : 'VM';
        // As PVE: only a restore with force may replace a guest, and only a stopped one on this node.
        if (existing && !(archive && ctx.params.force && existing.node === ctx.params.node && existing.type === type)) {
          throw new PveError(500, `${short} ${vmid} already exists on node '${existing.node}'`);
        }
        if (existing && existing.power !== 'stopped') {
          throw new PveError(500, type === 'lxc' ? "can't overwrite running container" : `unable to restore VM ${vmid} - VM is running`);
        }
        if (ctx.params.pool && !state.pools.has(ctx.params.pool)) throw new PveError(500, `no such pool '${ctx.params.pool}'`);
        const { updates } = splitConfigParams(ctx, kind);
        if (archive) {
          const storage = state.storage(archive.split(':')[0]);
          const volume = storage && state.volumesOn(storage, ctx.params.node).find((v) => v.volid === archive);
          if (!volume || volume.content !== 'backup') throw new PveError(500, `volume '${archive}' does not exist`);
          if (existing) {
            // The backup's own config comes back: here, the name the guest had.
            const name = existing.config.name ?? existing.config.hostname;
            if (name !== undefined) updates[type === 'qemu' ? 'name' : 'hostname'] ??= name;
            state.guests.delete(vmid);
            state.removeVolumes(existing.node, ownDisk);
          }
        }
        if (type === 'lxc' && archive) {
          updates.rootfs ??= `${ctx.params.storage ?? 'local-lvm'}:8`;
          updates.hostname ??= `CT${vmid}`;
          updates.memory ??= 512;
        } else if (type === 'lxc') {
          const tmpl = String(ctx.params.ostemplate);
          const storageName = tmpl.split(':')[0];
          const storage = state.storage(storageName);
          if (!storage || !state.volumesOn(storage, ctx.params.node).some((v) => v.volid === tmpl)) {
            throw new PveError(500, `volume '${tmpl}' does not exist`);
          }
          updates.rootfs ??= `${ctx.params.storage ?? 'local'}:4`;
          updates.hostname ??= `CT${vmid}`;
          updates.arch ??= 'amd64';
          updates.ostype ??= /ubuntu/.test(tmpl) ? 'ubuntu' : /alpine/.test(tmpl) ? 'alpine' : 'debian';
          updates.unprivileged ??= 1;
          updates.memory ??= 512;
          updates.swap ??= 512;
        } else {
          updates.memory ??= '2048';
          updates.smbios1 ??= `uuid=${cryptoUuid()}`;
          updates.vmgenid ??= cryptoUuid();
          updates.meta = `creation-qemu=10.0.2,ctime=${now()}`;
        }
        const name = String(updates.name ?? updates.hostname ?? '');
        const g = state.addGuest({
          vmid,
          type,
          node: ctx.params.node,
          name,
          power: 'stopped',
          memory: 0,
          cores: 1,
          disk: 0,
          os:
            type === 'lxc'
              ? ((updates.ostype as 'debian') ?? 'debian')
              : String(updates.ostype ?? '').startsWith('w')
                ? 'windows'
                : 'debian',
          agentRunning: true,
        });
        // addGuest seeds a default config and root volume: replace them with what was asked for.
        state.removeVolumes(g.node, ownDisk);
        g.config = { lock: 'create' };
        if (ctx.params.pool) g.pool = ctx.params.pool;
        try {
          applyConfig(ctx, kind, g, updates, []);
        } catch (e) {
          state.guests.delete(vmid);
          state.removeVolumes(g.node, ownDisk);
          throw e;
        }
        state.resetGuestFiles(g);
        const log = archive
          ? [`restoring '${archive}' now..`, `restore of '${archive}' successful`]
          : type === 'qemu'
            ? []
            : [
                `extracting archive '/var/lib/vz/template/cache/${String(ctx.params.ostemplate).split('/').pop()}'`,
                'Total bytes read: 524288000 (500MiB, 250MiB/s)',
                'Detected container architecture: amd64',
                'Creating SSH host keys...',
              ];
        return startTask(
          ctx,
          kind,
          g,
          archive ? 'restore' : 'create',
          () => {
            delete g.config.lock;
            if (ctx.params.start) setRunning(g, 'running');
          },
          {
            log,
            onFail: () => {
              state.guests.delete(vmid);
              state.removeVolumes(g.node, ownDisk);
            },
          },
        );
      },
    }),
  );

  ops.push(
    op({
      method: 'GET',
      path: vm,
      name: 'vmdiridx',
      description: 'Directory index',
      parameters: VMID_PATH,
      returns: returns.array({ subdir: { type: 'string' } }, 'subdir'),
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: (ctx) => {
        getGuest(ctx, kind);
        return index(
          type === 'qemu'
            ? [
                'config',
                'pending',
                'status',
                'unlink',
                'vncproxy',
                'termproxy',
                'migrate',
                'resize',
                'move',
                'rrd',
                'rrddata',
                'monitor',
                'agent',
                'snapshot',
                'spiceproxy',
                'sendkey',
                'firewall',
                'mtunnel',
                'remote_migrate',
              ]
            : [
                'config',
                'status',
                'vncproxy',
                'termproxy',
                'vncwebsocket',
                'spiceproxy',
                'migrate',
                'clone',
                'rrd',
                'firewall',
                'snapshot',
                'resize',
                'interfaces',
                'mtunnel',
                'remote_migrate',
              ],
        );
      },
    }),
  );

  const destroyParams = {
    ...VMID_PATH,
    'destroy-unreferenced-disks': opt(
      P.bool('If set, destroy additionally all disks not referenced in the config but with a matching VMID from all enabled storages.', {
        default: 0,
      }),
    ),
    purge: opt(P.bool('Remove VMID from configurations, like backup & replication jobs and HA.')),
    ...(type === 'qemu' ? SKIPLOCK : { force: opt(P.bool('Force destroy, even if running.', { default: 0 })) }),
  } satisfies Props;
  ops.push(
    taskOp({
      method: 'DELETE',
      path: vm,
      name: 'destroy_vm',
      description:
        type === 'qemu'
          ? 'Destroy the VM and  all used/owned volumes. Removes any VM specific permissions and firewall rules'
          : 'Destroy the container (also delete all uses files).',
      parameters: destroyParams,
      returns: { type: 'string' },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Allocate']] },
      handler: (ctx) => {
        const g = unlockedGuest(ctx, kind);
        if (g.config.protection)
          throw new PveError(500, `can't remove ${type === 'qemu' ? 'VM' : 'CT'} ${g.vmid} - protection mode enabled`);
        const sid = `${type === 'qemu' ? 'vm' : 'ct'}:${g.vmid}`;
        if (ctx.sim.state.ha.resources.has(sid) && !ctx.params.purge) {
          throw new PveError(
            500,
            `unable to remove ${type === 'qemu' ? 'VM' : 'CT'} ${g.vmid} - used in HA resources and purge parameter not set.`,
          );
        }
        if (g.power !== 'stopped' && !ctx.params.force) {
          throw new PveError(
            500,
            type === 'qemu' ? `VM ${g.vmid} is running - destroy failed` : `CT ${g.vmid} is running - destroy failed`,
          );
        }
        g.config.lock = 'destroyed';
        return startTask(
          ctx,
          kind,
          g,
          'destroy',
          () => {
            ctx.sim.state.guests.delete(g.vmid);
            if (ctx.params.purge) ctx.sim.state.ha.removeResource(sid, true);
            const vols = new Set(guestVolumes(g));
            ctx.sim.state.removeVolumes(g.node, (v) => vols.has(v.volid) || (v.vmid === g.vmid && v.content !== 'backup'));
            return [`Removing image: 100% complete...done.`, `purging ${label} ${g.vmid} from related configurations..`];
          },
          { onFail: () => delete g.config.lock },
        );
      },
    }),
  );

  return ops;
}
