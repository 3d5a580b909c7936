import { requirePriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { PveError } from '../errors.js';
import { opt, P, type Props, type WireParams } from '../params.js';
import { isLiveChange, withPending } from '../pending.js';
import { op, type Operation, taskOp } from '../schema.js';
import { configDigest, type Guest, type GuestType } from '../state.js';
import { assertUnlocked } from './common.js';
import {
  applyConfig,
  assertDigest,
  configPriv,
  DIGEST,
  getGuest,
  type GuestPath,
  KINDS,
  SKIPLOCK,
  snapshotOf,
  splitConfigParams,
  startTask,
  VMID_PATH,
} from './guest-shared.js';

/** What a config update reads by name; the config keys themselves it takes as they come (splitConfigParams). */
type ConfigUpdate = GuestPath & WireParams & { readonly revert?: string; readonly digest?: string; readonly skiplock?: 0 | 1 };

/** Guest operations (QEMU and LXC): configuration: read, update (with pending changes), async update. */
export function guestConfigOperations(type: GuestType): Operation[] {
  const kind = KINDS[type];
  const base = `/nodes/{node}/${type}`;
  const vm = `${base}/{vmid}`;
  const ops: Operation[] = [];
  ops.push(
    op({
      method: 'GET',
      path: `${vm}/config`,
      name: 'vm_config',
      description:
        type === 'qemu'
          ? "Get the virtual machine configuration with pending configuration changes applied. Set the 'current' parameter to get the current configuration instead."
          : 'Get container configuration.',
      parameters: {
        ...VMID_PATH,
        current: opt(P.bool('Get current values (instead of pending values).', { default: 0 })),
        snapshot: opt(P.str('Fetch config values from given snapshot.', { format: 'pve-configid', maxLength: 40 })),
      },
      returns: { type: 'object', properties: { digest: P.str('SHA1 digest of configuration file.') } },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Audit']] },
      proxyto: 'node',
      handler: (ctx) => {
        const g = getGuest(ctx, kind);
        let config = ctx.params.current ? g.config : withPending(g);
        if (ctx.params.snapshot) {
          const snap = snapshotOf(g, ctx.params.snapshot);
          config = { ...snap.config, snaptime: snap.snaptime, description: snap.description };
        }
        const out: Record<string, unknown> = { ...config, digest: configDigest(g.config) };
        if (g.parent && !ctx.params.snapshot) out.parent = g.parent;
        return out;
      },
    }),
  );

  const revert = opt(P.str('Revert a pending change.', { format: 'pve-configid-list' }));
  const force = opt(
    P.bool(
      "Force physical removal. Without this, we simple remove the disk from the config file and create an additional configuration entry called 'unused[n]', which contains the volume ID. Unlink of unused[n] always cause physical removal.",
      { requires: 'delete' },
    ),
  );
  // A container's `template` flag is set by the template call, not by a config update.
  const { template: _template, ...lxcConfig } = kind.config;
  const updateParams = {
    ...(type === 'qemu' ? kind.config : lxcConfig),
    ...VMID_PATH,
    delete: opt(P.str('A list of settings you want to delete.', { format: 'pve-configid-list' })),
    ...DIGEST,
    ...(type === 'qemu' ? { revert, ...SKIPLOCK, force } : { revert }),
  } satisfies Props;
  const configPerms =
    type === 'qemu'
      ? [
          'VM.Config.Disk',
          'VM.Config.CDROM',
          'VM.Config.CPU',
          'VM.Config.Memory',
          'VM.Config.Network',
          'VM.Config.HWType',
          'VM.Config.Options',
          'VM.Config.Cloudinit',
        ]
      : ['VM.Config.Disk', 'VM.Config.CPU', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.Options'];
  const updateConfig = (ctx: RequestContext<ConfigUpdate>): Guest => {
    const g = getGuest(ctx, kind);
    const { updates, del: requested } = splitConfigParams(ctx, kind);
    let del = requested;
    for (const [k, v] of Object.entries(updates)) requirePriv(ctx.who, `/vms/${g.vmid}`, configPriv(type, k, v));
    for (const k of del) requirePriv(ctx.who, `/vms/${g.vmid}`, configPriv(type, k, g.config[k]));
    if (!('lock' in updates) && !del.includes('lock')) assertUnlocked(ctx, g);
    assertDigest(ctx, g);
    if (!Object.keys(updates).length && !del.length && !ctx.params.revert) {
      throw new PveError(500, 'no options specified');
    }
    for (const k of String(ctx.params.revert ?? '')
      .split(/[,;\s]+/)
      .filter(Boolean)) {
      if (g.pending) delete g.pending[k];
      if (g.pendingDelete) g.pendingDelete = g.pendingDelete.filter((x) => x !== k);
    }
    if (g.power !== 'stopped') {
      // A running guest takes what can be hot-plugged now; the rest waits for the next restart.
      const later = Object.keys(updates).filter((k) => !isLiveChange(g, k, updates[k]));
      const laterDel = del.filter((k) => !isLiveChange(g, k, undefined));
      if (later.length || laterDel.length) {
        g.pending ??= {};
        for (const k of later) {
          g.pending[k] = updates[k];
          delete updates[k];
          if (g.pendingDelete) g.pendingDelete = g.pendingDelete.filter((x) => x !== k);
        }
        g.pendingDelete = [...new Set([...(g.pendingDelete ?? []), ...laterDel])];
        for (const k of laterDel) delete g.pending[k];
        del = del.filter((k) => !laterDel.includes(k));
      }
    }
    applyConfig(ctx, kind, g, updates, del);
    if ('name' in updates || 'hostname' in updates) g.files.set('/etc/hostname', `${updates.name ?? updates.hostname}\n`);
    return g;
  };
  ops.push(
    op({
      method: 'PUT',
      path: `${vm}/config`,
      name: 'update_vm',
      description:
        type === 'qemu'
          ? 'Set virtual machine options (synchronous API) - You should consider using the POST method instead for any actions involving hotplug or storage allocation.'
          : 'Set container options.',
      parameters: updateParams,
      returns: { type: 'null' },
      permissions: { check: ['perm', '/vms/{vmid}', configPerms, 'any', 1] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        updateConfig(ctx);
        return null;
      },
    }),
  );
  if (type === 'qemu') {
    ops.push(
      taskOp({
        method: 'POST',
        path: `${vm}/config`,
        name: 'update_vm_async',
        description: 'Set virtual machine options (asynchronous API).',
        parameters: {
          ...updateParams,
          background_delay: opt(
            P.int("Time to wait for the task to finish. We return 'null' if the task finish within that time.", {
              minimum: 1,
              maximum: 30,
            }),
          ),
        },
        returns: { type: 'string', optional: 1 },
        permissions: { check: ['perm', '/vms/{vmid}', configPerms, 'any', 1] },
        handler: (ctx) => {
          const g = updateConfig(ctx);
          return startTask(ctx, kind, g, 'config');
        },
      }),
    );
  }

  return ops;
}
