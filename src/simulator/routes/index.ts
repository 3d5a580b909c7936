import type { Operation } from '../schema.js';
import type { SimState } from '../state.js';
import { accessOperations } from './access.js';
import { acmeOperations } from './acme.js';
import { agentOperations } from './agent.js';
import { clusterOperations } from './cluster.js';
import { guestOperations } from './guests.js';
import { firewallOperations } from './firewall.js';
import { haOperations } from './ha.js';
import { jobOperations, seedJobs } from './jobs.js';
import { mappingOperations } from './mapping.js';
import { metricsOperations } from './metrics.js';
import { notificationOperations, seedNotifications } from './notifications.js';
import { nodeOperations } from './nodes.js';
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
    ...acmeOperations(),
    ...firewallOperations(),
    ...mappingOperations(),
    ...metricsOperations(),
    ...notificationOperations(),
    ...jobOperations(),
  ];
}

/** Seeds the declarative families with what a lived-in cluster has (called once per simulator). */
export function seedFamilies(state: SimState): void {
  const get = (scope: string) => state.collections.get(scope);
  seedNotifications(get);
  seedJobs(get, state.replicationRuns);
}
