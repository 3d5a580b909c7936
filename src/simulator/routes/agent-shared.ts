import type { RequestContext } from '../context.js';
import { PveError } from '../errors.js';
import { P, type ParamsOf, type Props } from '../params.js';
import { op, type Operation } from '../schema.js';
import type { Guest } from '../state.js';
import { guestAgentEnabled } from './common.js';

/** What the qemu-ga operations (agent.ts, agent-extras.ts) share: their path, the agent checks, the plain commands. */

export const AGENT_PATH = { node: P.node(), vmid: P.vmid() } satisfies Props;
export const AGENT_BASE = '/nodes/{node}/qemu/{vmid}/agent';
export const resultReturns = { type: 'object', description: 'Returns an object with a single `result` property.' };
export const AUDIT = ['VM.GuestAgent.Audit', 'VM.GuestAgent.Unrestricted'];

/** The checks PVE makes before talking to qemu-ga, in its order and words. */
export function agentGuest(ctx: RequestContext<ParamsOf<typeof AGENT_PATH>>): Guest {
  const g = ctx.sim.state.guestOn(ctx.params.node, 'qemu', ctx.params.vmid);
  if (!guestAgentEnabled(g)) throw new PveError(500, 'No QEMU guest agent configured');
  if (g.power === 'stopped') throw new PveError(500, `VM ${g.vmid} not running`);
  if (!g.agentRunning || g.power === 'paused') throw new PveError(500, 'QEMU guest agent is not running');
  return g;
}

/** A qemu-ga command without parameters of its own, answering `{ result }` with what `fn` makes of the guest. */
export function agentCommand(method: 'GET' | 'POST', name: string, privs: string[], fn: (g: Guest) => unknown): Operation {
  return op({
    method,
    path: `${AGENT_BASE}/${name}`,
    name,
    description: `Execute ${name}.`,
    parameters: AGENT_PATH,
    returns: resultReturns,
    permissions: { check: ['perm', '/vms/{vmid}', privs, 'any', 1] },
    protected: 1,
    proxyto: 'node',
    handler: (ctx) => ({ result: fn(agentGuest(ctx)) }),
  });
}
