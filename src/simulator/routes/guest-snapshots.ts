import { PveError } from '../errors.js';
import { opt, P, type Props } from '../params.js';
import { op, type Operation, returns, taskOp } from '../schema.js';
import type { GuestType } from '../state.js';
import { assertUnlocked, now } from './common.js';
import { getGuest, KINDS, setRunning, snapName, snapshotList, snapshotOf, startTask, VMID_PATH } from './guest-shared.js';

/** Guest operations (QEMU and LXC): snapshots. */
export function guestSnapshotsOperations(type: GuestType): Operation[] {
  const kind = KINDS[type];
  const base = `/nodes/{node}/${type}`;
  const vm = `${base}/{vmid}`;
  const lower = type === 'qemu' ? 'VM' : 'container';
  const ops: Operation[] = [];
  ops.push(
    op({
      method: 'GET',
      path: `${vm}/snapshot`,
      name: type === 'qemu' ? 'snapshot_list' : 'list',
      description: type === 'qemu' ? 'List all snapshots.' : 'List all snapshots.',
      parameters: VMID_PATH,
      returns: returns.array(
        { name: P.str("Snapshot identifier. Value 'current' identifies the current VM."), description: P.str('Snapshot description.') },
        'name',
      ),
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Audit']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => snapshotList(getGuest(ctx, kind)),
    }),
  );
  const snapParams = {
    ...VMID_PATH,
    snapname: snapName,
    description: opt(P.str('A textual description or comment.')),
    ...(type === 'qemu' ? { vmstate: opt(P.bool('Save the vmstate')) } : {}),
  } satisfies Props;
  ops.push(
    taskOp({
      method: 'POST',
      path: `${vm}/snapshot`,
      name: 'snapshot',
      description: 'Snapshot a VM.',
      parameters: snapParams,
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Snapshot']] },
      handler: (ctx) => {
        const g = getGuest(ctx, kind);
        const name: string = ctx.params.snapname;
        if (name === 'current') throw new PveError(500, "invalid snapshot name 'current'");
        assertUnlocked(ctx, g);
        if (g.snapshots.some((s) => s.name === name)) throw new PveError(500, `snapshot name '${name}' already used`);
        if (type === 'qemu' && ctx.params.vmstate && g.power === 'stopped') {
          // PVE silently ignores vmstate for a stopped VM.
        }
        g.config.lock = 'snapshot';
        return startTask(
          ctx,
          kind,
          g,
          'snapshot',
          () => {
            delete g.config.lock;
            g.snapshots.push({
              name,
              description: ctx.params.description ?? '',
              snaptime: now(),
              vmstate: type === 'qemu' ? (ctx.params.vmstate && g.power !== 'stopped' ? 1 : 0) : undefined,
              parent: g.parent,
              config: { ...g.config },
            });
            g.parent = name;
            return [`snapshotting 'drive-scsi0' (${String(g.config.scsi0 ?? g.config.rootfs ?? '').split(',')[0]})`];
          },
          { onFail: () => delete g.config.lock },
        );
      },
    }),
  );
  ops.push(
    op({
      method: 'GET',
      path: `${vm}/snapshot/{snapname}`,
      name: 'snapshot_cmd_idx',
      description: '',
      parameters: { ...VMID_PATH, snapname: snapName },
      returns: { type: 'array', items: { type: 'object', properties: {} }, links: [{ rel: 'child', href: '{cmd}' }] },
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: (ctx) => {
        const g = getGuest(ctx, kind);
        snapshotOf(g, ctx.params.snapname);
        return [{ cmd: 'rollback' }, { cmd: 'config' }];
      },
    }),
  );
  ops.push(
    taskOp({
      method: 'DELETE',
      path: `${vm}/snapshot/{snapname}`,
      name: 'delsnapshot',
      description: 'Delete a VM snapshot.',
      parameters: {
        ...VMID_PATH,
        snapname: snapName,
        force: opt(P.bool('For removal from config file, even if removing disk snapshots fails.')),
      },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Snapshot']] },
      handler: (ctx) => {
        const g = getGuest(ctx, kind);
        const snap = snapshotOf(g, ctx.params.snapname);
        assertUnlocked(ctx, g);
        return startTask(ctx, kind, g, 'delsnapshot', () => {
          g.snapshots = g.snapshots.filter((s) => s !== snap);
          for (const s of g.snapshots) if (s.parent === snap.name) s.parent = snap.parent;
          if (g.parent === snap.name) g.parent = snap.parent;
        });
      },
    }),
  );
  ops.push(
    taskOp({
      method: 'POST',
      path: `${vm}/snapshot/{snapname}/rollback`,
      name: 'rollback',
      description: 'Rollback VM state to specified snapshot.',
      parameters: {
        ...VMID_PATH,
        snapname: snapName,
        start: opt(P.bool(`Whether the ${lower} should get started after rolling back successfully.`, { default: 0 })),
      },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Snapshot', 'VM.Snapshot.Rollback'], 'any', 1] },
      handler: (ctx) => {
        const g = getGuest(ctx, kind);
        const snap = snapshotOf(g, ctx.params.snapname);
        assertUnlocked(ctx, g);
        return startTask(ctx, kind, g, 'rollback', () => {
          g.config = { ...snap.config };
          g.parent = snap.name;
          if (snap.vmstate) setRunning(g, 'running');
          else setRunning(g, ctx.params.start ? 'running' : 'stopped');
          if (ctx.params.start && g.power === 'stopped') setRunning(g, 'running');
        });
      },
    }),
  );

  return ops;
}
