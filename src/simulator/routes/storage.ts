import { createHash } from 'node:crypto';
import { hasAnyPriv, hasPriv, requirePriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { PveError } from '../errors.js';
import { P, opt } from '../params.js';
import { op, taskOp, type Operation } from '../schema.js';
import type { StorageDef, Volume } from '../state.js';
import { index, inPath, now, STORAGE_TYPES } from './common.js';

function storageOr404(ctx: RequestContext, name: string): StorageDef {
  const s = ctx.sim.state.storage(name);
  if (!s) throw new PveError(500, `storage '${name}' does not exist`);
  return s;
}

function storageDigest(ctx: RequestContext): string {
  return createHash('sha1')
    .update(ctx.sim.state.storages.map((s) => `${s.storage}:${s.type}:${s.content.join(',')}`).join('\n'))
    .digest('hex');
}

function statusRow(ctx: RequestContext, s: StorageDef, node: string): Record<string, unknown> {
  const used = ctx.sim.state.usedBytes(s, node);
  return {
    storage: s.storage,
    type: s.type,
    content: s.content.join(','),
    shared: s.shared,
    active: 1,
    enabled: 1,
    total: s.total,
    used,
    avail: s.total - used,
    used_fraction: Number((used / s.total).toFixed(6)),
  };
}

function volumeRow(v: Volume): Record<string, unknown> {
  const row: Record<string, unknown> = { volid: v.volid, content: v.content, format: v.format, size: v.size, ctime: v.ctime };
  if (v.vmid !== undefined) row.vmid = v.vmid;
  if (v.content === 'images' || v.content === 'rootdir') row.used = Math.floor(v.size * 0.37);
  if (v.notes) row.notes = v.notes;
  if (v.protected) row.protected = 1;
  if (v.subtype) row.subtype = v.subtype;
  return row;
}

/** `{volume}` may be the full volume id or the part after `storage:`. */
function findVolume(
  ctx: RequestContext<{ readonly node: string; readonly volume: string }>,
  s: StorageDef,
): { list: Volume[]; vol: Volume } {
  const raw: string = ctx.params.volume;
  const volid = raw.includes(':') ? raw : `${s.storage}:${raw}`;
  const list = ctx.sim.state.volumesOn(s, ctx.params.node);
  const vol = list.find((v) => v.volid === volid);
  if (!vol) throw new PveError(500, `volume '${volid}' does not exist`);
  return { list, vol };
}

const PATH = { node: P.node(), storage: P.storage() };

export function storageOperations(): Operation[] {
  return [
    op({
      method: 'GET',
      path: '/storage',
      name: 'index',
      description: 'Storage index.',
      parameters: {
        type: opt(P.enum('Only list storage of specific type', STORAGE_TYPES)),
      },
      returns: {
        type: 'array',
        items: { type: 'object', properties: { storage: { type: 'string' } } },
        links: [{ rel: 'child', href: '{storage}' }],
      },
      permissions: {
        description: "Only list entries where you have 'Datastore.Audit' or 'Datastore.AllocateSpace' permissions on '/storage/<storage>'",
        user: 'all',
      },
      handler: (ctx) => {
        const digest = storageDigest(ctx);
        return ctx.sim.state.storages
          .filter((s) => !ctx.params.type || s.type === ctx.params.type)
          .filter((s) => hasAnyPriv(ctx.who, `/storage/${s.storage}`, ['Datastore.Audit', 'Datastore.AllocateSpace']))
          .map((s) => {
            const row: Record<string, unknown> = { storage: s.storage, type: s.type, content: s.content.join(','), digest, ...s.extra };
            if (s.shared) row.shared = 1;
            return row;
          });
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/storage',
      name: 'index',
      description: 'Get status for all datastores.',
      parameters: {
        node: P.node(),
        content: opt(P.str('Only list stores which support this content type.', { format: 'pve-storage-content-list' })),
        enabled: opt(P.bool('Only list stores which are enabled (not disabled in config).', { default: 0 })),
        format: opt(P.bool('Include information about formats', { default: 0 })),
        storage: opt(P.storage('Only list status for  specified storage')),
        target: opt(
          P.node(
            "If target is different to 'node', we only lists shared storages which content is accessible on this 'node' and the specified 'target' node.",
          ),
        ),
      },
      returns: {
        type: 'array',
        items: {
          type: 'object',
          properties: { storage: P.storage(), type: P.str('Storage type.'), content: P.str('Allowed storage content types.') },
        },
        links: [{ rel: 'child', href: '{storage}' }],
      },
      permissions: {
        description: "Only list entries where you have 'Datastore.Audit' or 'Datastore.AllocateSpace' permissions on '/storage/<storage>'",
        user: 'all',
      },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const wanted = String(ctx.params.content ?? '')
          .split(',')
          .filter(Boolean);
        return ctx.sim.state.storages
          .filter((s) => hasAnyPriv(ctx.who, `/storage/${s.storage}`, ['Datastore.Audit', 'Datastore.AllocateSpace']))
          .filter((s) => !ctx.params.storage || s.storage === ctx.params.storage)
          .filter((s) => wanted.every((c) => s.content.includes(c)))
          .filter((s) => !ctx.params.target || ctx.params.target === ctx.params.node || s.shared)
          .map((s) => statusRow(ctx, s, ctx.params.node));
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/storage/{storage}',
      name: 'diridx',
      description: '',
      parameters: PATH,
      returns: {
        type: 'array',
        items: { type: 'object', properties: { subdir: { type: 'string' } } },
        links: [{ rel: 'child', href: '{subdir}' }],
      },
      permissions: { check: ['perm', '/storage/{storage}', ['Datastore.Audit', 'Datastore.AllocateSpace'], 'any', 1] },
      handler: (ctx) => {
        storageOr404(ctx, ctx.params.storage);
        return index([
          'content',
          'download-url',
          'file-restore',
          'identity',
          'import-metadata',
          'oci-registry-pull',
          'prunebackups',
          'rrd',
          'rrddata',
          'status',
          'upload',
        ]);
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/storage/{storage}/status',
      name: 'read_status',
      description: 'Read storage status.',
      parameters: PATH,
      returns: {
        type: 'object',
        properties: {
          active: { type: 'boolean', optional: 1, description: 'Set when storage is accessible.' },
          total: { type: 'integer', optional: 1, description: 'Total storage space in bytes.' },
        },
      },
      permissions: { check: ['perm', '/storage/{storage}', ['Datastore.Audit', 'Datastore.AllocateSpace'], 'any', 1] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const row = statusRow(ctx, storageOr404(ctx, ctx.params.storage), ctx.params.node);
        delete row.storage;
        return row;
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/storage/{storage}/content',
      name: 'index',
      description: 'List storage content.',
      parameters: {
        ...PATH,
        content: opt(P.str('Only list content of this type.', { format: 'pve-storage-content' })),
        vmid: opt(P.vmid('Only list images for this VM')),
      },
      returns: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            volid: P.str('Volume identifier.'),
            format: P.str("Format identifier ('raw', 'qcow2', 'subvol', 'iso', 'tgz' ...)"),
            size: P.int('Volume size in bytes.'),
            ctime: P.int('Creation time (seconds since the UNIX Epoch).'),
            vmid: P.int('Associated Owner VMID.'),
          },
        },
        links: [{ rel: 'child', href: '{volid}' }],
      },
      permissions: { check: ['perm', '/storage/{storage}', ['Datastore.Audit', 'Datastore.AllocateSpace'], 'any', 1] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const s = storageOr404(ctx, ctx.params.storage);
        const content: string | undefined = ctx.params.content;
        if (content && !['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import'].includes(content)) {
          throw new PveError(400, 'Parameter verification failed.', { content: `invalid content type '${content}'` });
        }
        return ctx.sim.state
          .volumesOn(s, ctx.params.node)
          .filter((v) => !content || v.content === content)
          .filter((v) => ctx.params.vmid === undefined || v.vmid === ctx.params.vmid)
          .map(volumeRow);
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/storage/{storage}/content/{volume}',
      name: 'info',
      description: 'Get volume attributes',
      parameters: { node: P.node(), storage: opt(P.storage()), volume: P.str('Volume identifier') },
      returns: {
        type: 'object',
        properties: {
          format: P.str("Format identifier ('raw', 'qcow2', 'subvol', 'iso', 'tgz' ...)"),
          path: P.str('The Path'),
          size: P.int('Volume size in bytes.'),
          used: P.int('Used space. Please note that most storage plugins do not report anything useful here.'),
        },
      },
      permissions: { description: 'You need read access for the volume.', user: 'all' },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const s = storageOr404(ctx, inPath(ctx.params.storage, 'storage'));
        if (!hasAnyPriv(ctx.who, `/storage/${s.storage}`, ['Datastore.Audit', 'Datastore.AllocateSpace'])) {
          throw new PveError(403, `Permission check failed (/storage/${s.storage}, Datastore.Audit|Datastore.AllocateSpace)`);
        }
        const { vol } = findVolume(ctx, s);
        const rel = vol.volid.slice(vol.volid.indexOf(':') + 1);
        const dir = String(s.extra.path ?? '/dev/pve');
        const path =
          s.type === 'lvmthin'
            ? `/dev/pve/${rel}`
            : `${dir}/${rel
                .replace(/^iso\//, 'template/iso/')
                .replace(/^vztmpl\//, 'template/cache/')
                .replace(/^backup\//, 'dump/')}`;
        const out: Record<string, unknown> = {
          path,
          size: vol.size,
          used: vol.content === 'images' ? Math.floor(vol.size * 0.37) : vol.size,
          format: vol.format,
        };
        if (vol.notes !== undefined) out.notes = vol.notes;
        if (vol.content === 'backup') out.protected = vol.protected ?? 0;
        return out;
      },
    }),
    taskOp({
      method: 'DELETE',
      path: '/nodes/{node}/storage/{storage}/content/{volume}',
      name: 'delete',
      description: 'Delete volume',
      parameters: {
        node: P.node(),
        storage: opt(P.storage()),
        volume: P.str('Volume identifier'),
        delay: opt(
          P.int("Time to wait for the task to finish. We return 'null' if the task finish within that time.", { minimum: 1, maximum: 30 }),
        ),
      },
      returns: { type: 'string', optional: 1 },
      permissions: {
        description:
          "You need 'Datastore.Allocate' privilege on the storage (or 'Datastore.AllocateSpace' for backup volumes if you have VM.Backup privilege on the VM).",
        user: 'all',
      },
      handler: (ctx) => {
        const s = storageOr404(ctx, inPath(ctx.params.storage, 'storage'));
        const { list, vol } = findVolume(ctx, s);
        if (!(
          vol.content === 'backup' &&
          hasPriv(ctx.who, `/storage/${s.storage}`, 'Datastore.AllocateSpace') &&
          (vol.vmid === undefined || hasPriv(ctx.who, `/vms/${vol.vmid}`, 'VM.Backup'))
        )) {
          requirePriv(ctx.who, `/storage/${s.storage}`, 'Datastore.Allocate');
        }
        if (vol.protected) throw new PveError(500, `backup '${vol.volid}' is protected`);
        const owner = vol.vmid !== undefined ? ctx.sim.state.guests.get(vol.vmid) : undefined;
        if (
          owner &&
          (vol.content === 'images' || vol.content === 'rootdir') &&
          Object.values(owner.config).some((v) => String(v).split(',')[0] === vol.volid || String(v) === vol.volid)
        ) {
          throw new PveError(500, `unable to delete '${vol.volid}' - volume is still in use (referenced by VM ${vol.vmid})`);
        }
        return ctx.sim.tasks.start({
          node: ctx.params.node,
          type: 'imgdel',
          id: '',
          who: ctx.who,
          effect: () => {
            const i = list.indexOf(vol);
            if (i >= 0) list.splice(i, 1);
            return [`Removed volume '${vol.volid}'`];
          },
        });
      },
    }),
    taskOp({
      method: 'POST',
      path: '/nodes/{node}/vzdump',
      name: 'vzdump',
      description: 'Create backup.',
      parameters: {
        node: opt(P.node('Only run if executed on this node.')),
        all: opt(P.bool('Backup all known guest systems on this host.', { default: 0 })),
        compress: opt(P.enum('Compress dump file.', ['0', '1', 'gzip', 'lzo', 'zstd'], { default: '0' })),
        mode: opt(P.enum('Backup mode.', ['snapshot', 'suspend', 'stop'], { default: 'snapshot' })),
        'notes-template': opt(P.str('Template string for generating notes for the backup(s).', { maxLength: 1024 })),
        protected: opt(P.bool('If true, mark backup(s) as protected.')),
        remove: opt(P.bool("Prune older backups according to 'prune-backups'.", { default: 1 })),
        storage: opt(P.storage('Store resulting file to this storage.')),
        vmid: opt(P.str('The ID of the guest system you want to backup.', { format: 'pve-vmid-list' })),
        exclude: opt(P.str('Exclude specified guest systems (assumes --all)', { format: 'pve-vmid-list' })),
      },
      returns: { type: 'string' },
      permissions: {
        description:
          "The user needs 'VM.Backup' permissions on any VM, and 'Datastore.AllocateSpace' on the backup storage (and fleecing storage when fleecing is used).",
        user: 'all',
      },
      handler: (ctx) => {
        const state = ctx.sim.state;
        const node = inPath(ctx.params.node, 'node');
        const excluded = new Set(
          String(ctx.params.exclude ?? '')
            .split(/[,;\s]+/)
            .filter(Boolean)
            .map(Number),
        );
        const ids = ctx.params.all
          ? [...state.guests.values()].filter((g) => g.node === node && !excluded.has(g.vmid) && !g.config.template).map((g) => g.vmid)
          : String(ctx.params.vmid ?? '')
              .split(/[,;\s]+/)
              .filter(Boolean)
              .map(Number);
        if (!ids.length) throw new PveError(500, 'no guests to backup - please specify vmid or all');
        const storageName: string = ctx.params.storage ?? 'local';
        const s = storageOr404(ctx, storageName);
        if (!s.content.includes('backup')) throw new PveError(500, `storage '${storageName}' does not support backups`);
        for (const vmid of ids) requirePriv(ctx.who, `/vms/${vmid}`, 'VM.Backup');
        requirePriv(ctx.who, `/storage/${storageName}`, 'Datastore.AllocateSpace');
        const guests = ids.map((vmid) => {
          const g = state.guests.get(vmid);
          if (!g || (!ctx.params.all && g.node !== node)) throw new PveError(500, `guest ${vmid} is not on node '${node}'`);
          return g;
        });
        return ctx.sim.tasks.start({
          node,
          type: 'vzdump',
          id: ids.length === 1 ? String(ids[0]) : '',
          who: ctx.who,
          log: [`starting new backup job: vzdump ${ids.join(' ')} --storage ${storageName} --mode ${ctx.params.mode ?? 'snapshot'}`],
          effect: () => {
            const lines: string[] = [];
            for (const g of guests) {
              const d = new Date();
              const stamp = d.toISOString().replace(/T/, '_').replace(/\..*/, '').replace(/[-:]/g, '_');
              const kind = g.type === 'qemu' ? 'qemu' : 'lxc';
              const ext = g.type === 'qemu' ? 'vma.zst' : 'tar.zst';
              const volid = `${storageName}:backup/vzdump-${kind}-${g.vmid}-${stamp}.${ext}`;
              const notes = String(ctx.params['notes-template'] ?? '{{guestname}}')
                .replace(/\{\{guestname\}\}/g, state.guestName(g))
                .replace(/\{\{vmid\}\}/g, String(g.vmid))
                .replace(/\{\{node\}\}/g, g.node)
                .replace(/\{\{cluster\}\}/g, state.clusterName);
              state.addVolume(node, {
                volid,
                content: 'backup',
                format: ext,
                size: 1_073_741_824,
                ctime: now(),
                vmid: g.vmid,
                subtype: kind,
                notes,
                protected: ctx.params.protected ? 1 : undefined,
              });
              lines.push(
                `Starting Backup of VM ${g.vmid} (${kind})`,
                `creating vzdump archive '${volid}'`,
                `Finished Backup of VM ${g.vmid} (00:00:01)`,
              );
            }
            lines.push('Backup job finished successfully');
            return lines;
          },
        });
      },
    }),
  ];
}
