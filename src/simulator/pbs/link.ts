/**
 * Ties the two simulators together the way a real setup is tied: the PVE cluster has a storage
 * `pbs01` of type `pbs` pointing at the Backup Server's datastore, and lists as its backup content
 * what that datastore holds in its root namespace, live (a prune on the PBS shows on the PVE side).
 */
import type { SimulatorHandle } from '../index.js';
import type { StorageDef, Volume } from '../state.js';
import type { PbsSimulatorHandle } from './index.js';
import { backupTimeString, snapshotSize } from './state.js';

export function linkPbsStorage(pve: SimulatorHandle, pbs: PbsSimulatorHandle, opts: { storage?: string; datastore?: string } = {}): void {
  const storage = opts.storage ?? 'pbs01';
  const datastore = opts.datastore ?? 'store1';
  const url = new URL(pbs.url);
  const live = (): Volume[] => {
    const ds = pbs.state.datastores.get(datastore);
    if (!ds) return [];
    return pbs.state.snapshotsOf(ds, '').map((s) => ({
      volid: `${storage}:backup/${s.type}/${s.id}/${backupTimeString(s.time)}`,
      content: 'backup',
      format: `pbs-${s.type}`,
      size: snapshotSize(s),
      ctime: s.time,
      ...(s.type === 'host' ? {} : { vmid: Number(s.id) }),
      ...(s.protected ? { protected: 1 as const } : {}),
      ...(s.verification ? { verification: { state: s.verification.state, upid: s.verification.upid } } : {}),
    })) as Volume[];
  };
  // Reads of the storage's content see the datastore as it is now; anything written here is not kept.
  const volumes = new (class extends Map<string, Volume[]> {
    override get(): Volume[] {
      return live();
    }
  })();
  const def: StorageDef = {
    storage,
    type: 'pbs',
    content: ['backup'],
    shared: 1,
    extra: {
      server: url.hostname,
      port: Number(url.port),
      datastore,
      username: 'root@pam!mcp',
      fingerprint: pbs.fingerprint.toLowerCase(),
    },
    total: pbs.state.datastores.get(datastore)?.total ?? 0,
    volumes,
  };
  pve.state.cluster.storages.push(def);
}
