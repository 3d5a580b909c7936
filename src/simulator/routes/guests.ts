import type { Operation } from '../schema.js';
import type { GuestType } from '../state.js';
import { guestLifecycleOperations } from './guest-lifecycle.js';
import { guestConfigOperations } from './guest-config.js';
import { guestPowerOperations } from './guest-power.js';
import { guestSnapshotsOperations } from './guest-snapshots.js';
import { guestMovesOperations } from './guest-moves.js';

/** Every operation on `/nodes/{node}/qemu|lxc/...` with its declaration, one file per area. */
export function guestOperations(type: GuestType): Operation[] {
  return [
    ...guestLifecycleOperations(type),
    ...guestConfigOperations(type),
    ...guestPowerOperations(type),
    ...guestSnapshotsOperations(type),
    ...guestMovesOperations(type),
  ];
}
