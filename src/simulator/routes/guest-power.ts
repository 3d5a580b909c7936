import type { RequestContext } from '../context.js';
import { PveError } from '../errors.js';
import { type MayHave, opt, P, type Props } from '../params.js';
import { applyPending } from '../pending.js';
import { op, type Operation, returns, taskOp } from '../schema.js';
import type { Guest, GuestType } from '../state.js';
import { assertUnlocked, index, now } from './common.js';
import {
  type GuestPath,
  getGuest,
  haRequest,
  KINDS,
  notRunning,
  setRunning,
  SKIPLOCK,
  startTask,
  statusCurrent,
  VMID_PATH,
} from './guest-shared.js';

type PowerParams = MayHave<GuestPath & { readonly skiplock?: 0 | 1; readonly todisk?: 0 | 1 }>;

/** Guest operations (QEMU and LXC): status and power actions. */
export function guestPowerOperations(type: GuestType): Operation[] {
  const kind = KINDS[type];
  const base = `/nodes/{node}/${type}`;
  const vm = `${base}/{vmid}`;
  const ops: Operation[] = [];
  // One handler serves every action; an action's own names (skiplock, todisk) reach its `run` as MayHave.
  const power = (action: string, description: string, params: Props, run: (ctx: RequestContext<PowerParams>, g: Guest) => string) =>
    ops.push(
      taskOp({
        method: 'POST',
        path: `${vm}/status/${action}`,
        name: `vm_${action}`,
        description,
        parameters: { ...VMID_PATH, ...params },
        returns: { type: 'string' },
        permissions: { check: ['perm', '/vms/{vmid}', ['VM.PowerMgmt']] },
        handler: (ctx) => {
          const g = getGuest(ctx, kind);
          const hastate = haRequest(action);
          const ha = ctx.sim.state.ha;
          const sid = `${type === 'qemu' ? 'vm' : 'ct'}:${g.vmid}`;
          const res = ha.resources.get(sid);
          // PVE hands power requests for HA-managed guests to the HA stack (tasks hastart/hastop).
          if (hastate && res && res.state !== 'ignored' && !(ha.armed !== 'armed' && ha.resourceMode === 'ignore')) {
            return ctx.sim.tasks.start({
              node: g.node,
              type: hastate === 'started' ? 'hastart' : 'hastop',
              id: String(g.vmid),
              who: ctx.who,
              log: [`Requesting HA ${hastate === 'started' ? 'start' : 'stop'} for ${type === 'qemu' ? 'VM' : 'CT'} ${g.vmid}`],
              effect: () => {
                res.state = hastate;
                ha.syncGuests();
              },
            });
          }
          return run(ctx, g);
        },
      }),
    );

  ops.push(
    op({
      method: 'GET',
      path: `${vm}/status`,
      name: 'vmcmdidx',
      description: 'Directory index',
      parameters: VMID_PATH,
      returns: returns.array({ subdir: { type: 'string' } }, 'subdir'),
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: (ctx) => {
        getGuest(ctx, kind);
        return index(
          type === 'qemu'
            ? ['current', 'start', 'stop', 'reset', 'shutdown', 'suspend', 'reboot']
            : ['current', 'start', 'stop', 'shutdown', 'migrate'],
        );
      },
    }),
  );
  ops.push(
    op({
      method: 'GET',
      path: `${vm}/status/current`,
      name: 'vm_status',
      description: type === 'qemu' ? 'Get virtual machine status.' : 'Get virtual machine status.',
      parameters: VMID_PATH,
      returns: { type: 'object', properties: { status: P.enum('QEMU process status.', ['stopped', 'running']), vmid: P.vmid() } },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Audit']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => statusCurrent(ctx, kind, getGuest(ctx, kind)),
    }),
  );

  power(
    'start',
    type === 'qemu' ? 'Start virtual machine.' : 'Start the container.',
    type === 'qemu'
      ? { ...SKIPLOCK, timeout: opt(P.int('Wait maximal timeout seconds.', { minimum: 0, default: 'max(30, vm memory in GiB)' })) }
      : { ...SKIPLOCK, debug: opt(P.bool('If set, enables very verbose debug log-level on start.', { default: 0 })) },
    (ctx, g) => {
      if (g.config.template)
        throw new PveError(500, type === 'qemu' ? "you can't start a vm if it's a template" : "you can't start a CT if it's a template");
      assertUnlocked(ctx, g);
      return startTask(ctx, kind, g, 'start', () => {
        if (g.power !== 'stopped') throw new Error(type === 'qemu' ? `VM ${g.vmid} already running` : `CT ${g.vmid} already running`);
        setRunning(g, 'running');
        return type === 'qemu' ? [`generating cloud-init ISO`].slice(0, 0) : [];
      });
    },
  );
  power(
    'stop',
    type === 'qemu'
      ? 'Stop virtual machine. The qemu process will exit immediately. This is akin to pulling the power plug of a running computer and may damage the VM data.'
      : 'Stop the container. This will abruptly stop all processes running in the container.',
    type === 'qemu'
      ? {
          ...SKIPLOCK,
          timeout: opt(P.int('Wait maximal timeout seconds.', { minimum: 0 })),
          keepActive: opt(P.bool('Do not deactivate storage volumes.', { default: 0 })),
          'overrule-shutdown': opt(P.bool("Try to abort active 'qmshutdown' tasks before stopping.", { default: 0 })),
        }
      : { ...SKIPLOCK, 'overrule-shutdown': opt(P.bool("Try to abort active 'vzshutdown' tasks before stopping.", { default: 0 })) },
    (ctx, g) => {
      assertUnlocked(ctx, g);
      if (type === 'lxc' && g.power === 'stopped') throw notRunning(kind, g);
      return startTask(ctx, kind, g, 'stop', () => setRunning(g, 'stopped'));
    },
  );
  power(
    'shutdown',
    type === 'qemu'
      ? 'Shutdown virtual machine. This is similar to pressing the power button on a physical machine. This will send an ACPI event for the guest OS, which should then proceed to a clean shutdown.'
      : 'Shutdown the container. This will trigger a clean shutdown of the container, see lxc-stop(1) for details.',
    type === 'qemu'
      ? {
          ...SKIPLOCK,
          forceStop: opt(P.bool('Make sure the VM stops.', { default: 0 })),
          timeout: opt(P.int('Wait maximal timeout seconds.', { minimum: 0 })),
          keepActive: opt(P.bool('Do not deactivate storage volumes.', { default: 0 })),
        }
      : {
          forceStop: opt(P.bool('Make sure the Container stops.', { default: 0 })),
          timeout: opt(P.int('Wait maximal timeout seconds.', { minimum: 0, default: 60 })),
        },
    (ctx, g) => {
      assertUnlocked(ctx, g);
      return startTask(ctx, kind, g, 'shutdown', () => {
        if (g.power === 'stopped') throw notRunning(kind, g);
        setRunning(g, 'stopped');
      });
    },
  );
  power(
    'reboot',
    type === 'qemu'
      ? 'Reboot the VM by shutting it down, and starting it again. Applies pending changes.'
      : 'Reboot the container by shutting it down, and starting it again. Applies pending changes.',
    { timeout: opt(P.int('Wait maximal timeout seconds for the shutdown.', { minimum: 0 })) },
    (ctx, g) => {
      if (g.power === 'stopped') throw notRunning(kind, g);
      return startTask(ctx, kind, g, 'reboot', () => {
        g.startedAt = now();
        g.power = 'running';
        g.procs.clear();
        applyPending(g);
      });
    },
  );
  power(
    'suspend',
    type === 'qemu' ? 'Suspend virtual machine.' : 'Suspend the container. This is experimental.',
    type === 'qemu'
      ? {
          ...SKIPLOCK,
          todisk: opt(P.bool('If set, suspends the VM to disk. Will be resumed on next VM start.', { default: 0 })),
          statestorage: opt(P.storage('The storage for the VM state')),
        }
      : {},
    (ctx, g) => {
      assertUnlocked(ctx, g);
      if (g.power === 'stopped') throw notRunning(kind, g);
      return startTask(ctx, kind, g, 'suspend', () => {
        if (type === 'qemu' && ctx.params.todisk) setRunning(g, 'stopped');
        else g.power = 'paused';
      });
    },
  );
  power(
    'resume',
    type === 'qemu' ? 'Resume virtual machine.' : 'Resume the container.',
    type === 'qemu' ? { ...SKIPLOCK, nocheck: opt(P.bool('nocheck')) } : {},
    (ctx, g) => {
      if (g.power === 'stopped') throw notRunning(kind, g);
      return startTask(ctx, kind, g, 'resume', () => {
        g.power = 'running';
      });
    },
  );
  if (type === 'qemu') {
    power('reset', 'Reset virtual machine.', SKIPLOCK, (ctx, g) => {
      assertUnlocked(ctx, g);
      if (g.power === 'stopped') throw notRunning(kind, g);
      return startTask(ctx, kind, g, 'reset', () => {
        g.startedAt = now();
        g.procs.clear();
      });
    });
  }

  return ops;
}
