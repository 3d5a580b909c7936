import { P, type Props } from '../params.js';
import { op, type Operation, type OperationInput, returns } from '../schema.js';

/** What the node routes share: the node path parameter and PVE's shape of a node configuration write. */

export const NODE = { node: P.node() } satisfies Props;
export const NODE_MODIFY = { check: ['perm', '/nodes/{node}', ['Sys.Modify']] };

/** A write to the node's configuration (DNS, time, hosts, network...): `Sys.Modify` on the node, run there, answering null. */
export function nodeWrite<const Ps extends Props>(
  input: Omit<OperationInput<Ps>, 'returns' | 'permissions' | 'protected' | 'proxyto'>,
): Operation {
  return op<Ps>({ returns: returns.null, permissions: NODE_MODIFY, protected: 1, proxyto: 'node', ...input });
}
