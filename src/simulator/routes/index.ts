import type { Operation } from '../schema.js';
import { accessOperations } from './access.js';
import { acmeOperations } from './acme.js';
import { agentOperations } from './agent.js';
import { clusterOperations } from './cluster.js';
import { guestOperations } from './guests.js';
import { haOperations } from './ha.js';
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
  ];
}
