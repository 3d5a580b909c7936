import type { Operation } from '../schema.js';
import type { SimState } from '../state.js';
import { accessOperations } from './access.js';
import { acmeOperations } from './acme.js';
import { agentOperations } from './agent.js';
import { clusterOperations } from './cluster.js';
import { guestOperations } from './guests.js';
import { clusterMiscOperations } from './cluster-misc.js';
import { firewallOperations } from './firewall.js';
import { guestExtraOperations } from './guest-extras.js';
import { haOperations } from './ha.js';
import { jobOperations, seedJobs } from './jobs.js';
import { mappingOperations } from './mapping.js';
import { metricsOperations } from './metrics.js';
import { notificationOperations, seedNotifications } from './notifications.js';
import { nodeDiskOperations } from './node-disks.js';
import { nodeMiscOperations } from './node-misc.js';
import { nodeNetworkOperations } from './node-network.js';
import { nodeSystemOperations } from './node-system.js';
import { nodeOperations } from './nodes.js';
import { sdnConfigOperations } from './sdn-config.js';
import { sdnOperations } from './sdn.js';
import { storageOperations } from './storage.js';
import { taskOperations } from './tasks.js';

/** Every operation the simulator implements, each with its declaration. */
export function allOperations(): Operation[] {
  return [
    ...clusterOperations(),
    ...guestOperations('qemu'),
    ...agentOperations(),
    ...guestOperations('lxc'),
    ...storageOperations(),
    ...taskOperations(),
    ...accessOperations(),
    ...haOperations(),
    ...nodeOperations(),
    ...sdnOperations(),
    ...sdnConfigOperations(),
    ...acmeOperations(),
    ...firewallOperations(),
    ...mappingOperations(),
    ...metricsOperations(),
    ...notificationOperations(),
    ...jobOperations(),
    ...nodeSystemOperations(),
    ...nodeNetworkOperations(),
    ...nodeDiskOperations(),
    ...nodeMiscOperations(),
    ...guestExtraOperations('qemu'),
    ...guestExtraOperations('lxc'),
    ...clusterMiscOperations(),
  ];
}

/** Seeds the declarative families with what a lived-in cluster has (called once per simulator). */
export function seedFamilies(state: SimState): void {
  const get = (scope: string) => state.collections.get(scope);
  seedNotifications(get);
  seedJobs(get, state.replicationRuns);
  get('/cluster/sdn/ipams').set('pve', { type: 'pve' });
}
