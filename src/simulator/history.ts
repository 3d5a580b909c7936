import type { SimState } from './state.js';
import type { TaskManager } from './tasks.js';

/**
 * What happened before the simulator started, so "what happened?" has answers: finished tasks (a failed
 * backup, a failed migration, a failed package update among successful ones) and cluster log entries from
 * several users.
 */
export function seedHistory(state: SimState, tasks: TaskManager): void {
  const now = Math.floor(Date.now() / 1000);
  const day = 86400;
  const lastNight = Math.floor((now - day) / day) * day + 2 * 3600;
  const stamp = (t: number) => new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19);

  tasks.record({
    node: 'pve1',
    type: 'vzdump',
    id: '',
    user: 'root@pam',
    starttime: lastNight,
    endtime: lastNight + 412,
    exitstatus: 'OK',
    log: [
      `INFO: starting new backup job: vzdump --pool prod --storage backup-nfs --mode snapshot --compress zstd --node pve1 --prune-backups 'keep-daily=7,keep-weekly=4'`,
      'INFO: Starting Backup of VM 100 (qemu)',
      `INFO: Backup started at ${stamp(lastNight + 2)}`,
      'INFO: status = running',
      "INFO: creating vzdump archive '/mnt/pve/backup-nfs/dump/vzdump-qemu-100.vma.zst'",
      'INFO: transferred 32.00 GiB in 188 seconds (174.3 MiB/s)',
      'INFO: Finished Backup of VM 100 (00:03:10)',
      'INFO: Starting Backup of VM 101 (qemu)',
      'INFO: transferred 100.00 GiB in 215 seconds (476.3 MiB/s)',
      'INFO: Finished Backup of VM 101 (00:03:37)',
      'INFO: Backup job finished successfully',
    ],
  });
  tasks.record({
    node: 'pve3',
    type: 'vzdump',
    id: '',
    user: 'root@pam',
    starttime: lastNight + 3,
    endtime: lastNight + 4,
    exitstatus: 'job errors',
    log: [
      'INFO: starting new backup job: vzdump 107 205 --storage backup-nfs --mode snapshot --compress zstd --node pve3',
      'INFO: Starting Backup of VM 107 (qemu)',
      `INFO: Backup started at ${stamp(lastNight + 3)}`,
      'ERROR: Backup of VM 107 failed - VM is locked (backup)',
      `INFO: Failed at ${stamp(lastNight + 3)}`,
      'INFO: Starting Backup of VM 205 (lxc)',
      'INFO: mode failure - some volumes do not support snapshots',
      "INFO: trying 'suspend' mode instead",
      'INFO: Finished Backup of VM 205 (00:00:58)',
      'INFO: Backup job finished with errors',
    ],
  });
  const mig = now - day + 12 * 3600 + 721;
  tasks.record({
    node: 'pve2',
    type: 'qmigrate',
    id: '104',
    user: 'alice@pve',
    starttime: mig,
    endtime: mig + 1,
    exitstatus: 'migration aborted',
    log: [
      `${stamp(mig)} starting migration of VM 104 to node 'pve3' (192.0.2.13)`,
      `${stamp(mig)} found local disk 'local-lvm:vm-104-disk-0' (attached)`,
      `${stamp(mig)} can't migrate local disk 'local-lvm:vm-104-disk-0': can't live migrate attached local disks without with-local-disks option`,
      `${stamp(mig)} ERROR: Problem found while scanning volumes - can't migrate VM which uses local devices: local-lvm:vm-104-disk-0`,
      `${stamp(mig)} aborting phase 1 - cleanup resources`,
      `${stamp(mig + 1)} ERROR: migration aborted (duration 00:00:01): Problem found while scanning volumes - can't migrate VM which uses local devices: local-lvm:vm-104-disk-0`,
    ],
  });
  tasks.record({
    node: 'pve2',
    type: 'qmstart',
    id: '103',
    user: 'bob@pve',
    starttime: now - 5 * 3600,
    endtime: now - 5 * 3600 + 2,
    exitstatus: 'OK',
    log: ['generating cloud-init ISO'],
  });
  tasks.record({
    node: 'pve1',
    type: 'vzcreate',
    id: '203',
    user: 'alice@pve',
    starttime: now - 3 * day,
    endtime: now - 3 * day + 40,
    exitstatus: 'OK',
    log: [
      "extracting archive '/var/lib/vz/template/cache/alpine-3.20-default_20240908_amd64.tar.xz'",
      'Total bytes read: 9564160 (9.2MiB, 61MiB/s)',
      'Detected container architecture: amd64',
    ],
  });
  tasks.record({
    node: 'pve1',
    type: 'aptupdate',
    id: '',
    user: 'root@pam',
    starttime: now - 2 * day,
    endtime: now - 2 * day + 9,
    exitstatus: "command 'apt-get update' failed: exit code 100",
    log: [
      'starting apt-get update',
      'Hit:1 http://deb.debian.org/debian trixie InRelease',
      'Err:2 https://enterprise.proxmox.com/debian/pve trixie InRelease',
      '  401  Unauthorized [IP: 212.224.123.70 443]',
      'E: Failed to fetch https://enterprise.proxmox.com/debian/pve/dists/trixie/InRelease  401  Unauthorized [IP: 212.224.123.70 443]',
    ],
  });
  tasks.record({
    node: 'pve3',
    type: 'qmsnapshot',
    id: '108',
    user: 'auditor@pve!ro',
    starttime: now - 4 * 3600,
    endtime: now - 4 * 3600 + 1,
    exitstatus: 'Permission check failed (/vms/108, VM.Snapshot)',
    log: [],
  });

  const entries: Array<[number, string, string, string, string]> = [
    [now - 3 * day, 'pve1', 'alice@pve', 'pvedaemon', '<alice@pve> starting task UPID:pve1:vzcreate:203 - create CT 203'],
    [
      now - 2 * day,
      'pve1',
      'root@pam',
      'pvedaemon',
      '<root@pam> update packages: apt-get update failed (enterprise repository without subscription)',
    ],
    [now - day + 12 * 3600, 'pve2', 'alice@pve', 'pvedaemon', '<alice@pve> starting task qmigrate:104 - migrate VM 104 to pve3'],
    [mig + 1, 'pve2', 'alice@pve', 'pvedaemon', '<alice@pve> end task qmigrate:104 migration aborted'],
    [lastNight + 4, 'pve3', 'root@pam', 'vzdump', 'Backup of VM 107 failed - VM is locked (backup)'],
    [now - 6 * 3600, 'pve1', 'bob@pve', 'pvedaemon', "<bob@pve> successful auth for user 'bob@pve'"],
    [now - 5 * 3600, 'pve2', 'bob@pve', 'pvedaemon', '<bob@pve> starting task qmstart:103 - start VM 103'],
    [
      now - 4 * 3600,
      'pve3',
      'auditor@pve!ro',
      'pvedaemon',
      '<auditor@pve!ro> snapshot of VM 108 refused: Permission check failed (/vms/108, VM.Snapshot)',
    ],
    [
      now - 3 * 3600,
      'pve1',
      'root@pam',
      'pvedaemon',
      'authentication failure; rhost=::ffff:203.0.113.77 user=root@pam msg=Authentication failure',
    ],
    [now - 2 * 3600, 'pve2', 'root@pam', 'pve-ha-crm', "service 'vm:101': state changed from 'started' to 'started'  (node = pve1)"],
  ];
  for (const [time, node, user, tag, msg] of entries) state.log(node, user, tag, msg, time);
}
