import { NODE_NAME } from '../vocabulary.js';
import type { Concept, ProductKnowledge, Recipe } from './types.js';

// Proxmox VE's concepts in the words of its admin guide (qm, pct, pvesm, pveum, ha-manager chapters) and
// in the words people use for them; and the goals admins pursue in several calls. Written per concept
// and per goal, never per question.

const Q = '/nodes/{node}/qemu/{vmid}';
const L = '/nodes/{node}/lxc/{vmid}';
const N = '/nodes/{node}';

export const PVE_CONCEPTS: Concept[] = [
  // Device passthrough (qm: "PCI(e) Passthrough", "USB Passthrough"; resource mappings).
  {
    concept: 'PCI passthrough',
    say: /\b(gpu|graphics card|video card|pcie?( device| card)?|pass ?through|vfio|iommu|x-vga|hba|sr-?iov|vgpu)\b/,
    terms: ['hostpci', 'pci'],
    settings: ['hostpci'],
  },
  { concept: 'USB passthrough', say: /\busb( stick| device| drive| dongle| key)?s?\b|\bdongle\b/, terms: ['usb'], settings: ['usb'] },
  // Network devices of a guest (net[n]: model, bridge, tag, macaddr, rate, firewall, link_down).
  {
    concept: 'guest network device',
    say: /\b(nic|nics|network (card|device|adapter)|net\d+|eth\d+|mac( address)?|vmbr\d*|virtio-?net|e1000)\b/,
    terms: ['net'],
    settings: ['net'],
  },
  { concept: 'VLAN', say: /\bvlans?( tag| id)?\b/, terms: ['tag', 'net', 'vlan'], settings: ['net'] },
  {
    concept: 'network rate limit',
    say: /\b(rate ?limit|bandwidth limit|mb\/s|throttl\w*)\b/,
    terms: ['rate', 'limit'],
    settings: ['net', 'scsi', 'virtio'],
  },
  // Container features and mount points (pct: "Container Settings", "Mount Points").
  {
    concept: 'container features',
    say: /\b(nesting|nested|docker|keyctl|fuse|mknod|podman|k3s)\b/,
    terms: ['features'],
    settings: ['features'],
  },
  { concept: 'mount point', say: /\b(bind[- ]?mounts?|mount ?points?|mp\d+|rootfs)\b/, terms: ['mp'], settings: ['mp', 'rootfs'] },
  // Memory and CPU (qm: "Memory", "CPU"; pct: "Memory", "CPU").
  {
    concept: 'memory',
    say: /\b(ram|memory|balloon(ing)?|hugepages?|swap|\d+ ?(gb|mb|gib|mib) (of )?ram)\b/,
    terms: ['memory'],
    settings: ['memory', 'balloon', 'swap', 'hugepages'],
  },
  {
    concept: 'CPU',
    say: /\b(cpu ?(type|model|limit|units|flags)?|cores?|vcpus?|sockets?|numa|cpulimit|cpuunits|processors?)\b/,
    terms: ['cpu', 'cores'],
    settings: ['cpu', 'cores', 'sockets', 'vcpus', 'cpulimit', 'cpuunits', 'numa'],
  },
  // Disk options (qm: "Hard Disk": cache, discard, iothread, ssd, backup, replicate, iops/mbps limits).
  {
    concept: 'disk options',
    say: /\b(discard|ssd emulation|iothread|io ?thread|cache mode|writeback|iops|aio|disk (throttle|limit|option)s?|scsi ?controller|scsihw|virtio-scsi\S*)\b/,
    terms: ['disk', 'config'],
    settings: ['scsi', 'virtio', 'sata', 'ide', 'scsihw'],
  },
  {
    concept: 'additional disk',
    say: /\b(additional|extra|second|another|new) (\d+ ?g\w* )?(hard )?(disk|drive)\b/,
    terms: ['disk', 'config'],
    settings: ['scsi', 'virtio', 'sata', 'mp'],
  },
  { concept: 'CD/DVD drive', say: /\b(cd|dvd|cdrom|cd-rom|iso)( drive| image)?\b/, terms: ['cdrom'], settings: ['ide', 'sata', 'cdrom'] },
  // Boot and firmware (qm: "BIOS and UEFI", "Trusted Platform Module", "Boot order").
  {
    concept: 'firmware',
    say: /\b(bios|uefi|ovmf|seabios|efi ?disk|secure ?boot|tpm( state)?|machine type|q35|i440fx)\b/,
    terms: ['bios', 'config'],
    settings: ['bios', 'efidisk', 'tpmstate', 'machine'],
  },
  { concept: 'boot order', say: /\bboot ?(order|device|from)\b|\bboots? (from|off)\b/, terms: ['boot', 'config'], settings: ['boot'] },
  {
    concept: 'start at boot',
    say: /\b(start(s|ed|ing)? (at|on|with( the)?) (host )?boot|auto-?start|on ?boot|startup (order|delay))\b/,
    terms: ['onboot', 'startup'],
    settings: ['onboot', 'startup'],
    noVerb: true,
  },
  // Cloud-init (qm: "Cloud-Init Support").
  {
    concept: 'cloud-init',
    say: /\b(cloud-?init|ci ?user|cipassword|ssh ?keys?|ipconfig\d*|ip=dhcp|user-?data|searchdomain)\b/,
    terms: ['cloudinit', 'config'],
    settings: ['ciuser', 'cipassword', 'sshkeys', 'ipconfig', 'nameserver', 'searchdomain', 'citype'],
  },
  { concept: 'cloud image', say: /\b(cloud ?image|qcow2|\.img|generic ?cloud|cloudimg)\b/, terms: ['download', 'url', 'import'] },
  // The guest agent as a VM option, not its commands (qm: "QEMU Guest Agent").
  {
    concept: 'guest agent option',
    say: /\bagent (option|flag|setting|checkbox)|\b(enable|turn on|activate|disable) (the )?(qemu )?(guest )?agent\b/,
    terms: ['agent', 'config'],
    settings: ['agent'],
  },
  {
    concept: 'display',
    say: /\b(display|vga|qxl|virtio-gpu|serial (port|console)|monitor resolution)\b/,
    terms: ['vga', 'config'],
    settings: ['vga', 'serial'],
  },
  // Locks (qm unlock / pct unlock: the config's lock is deleted).
  {
    concept: 'lock',
    say: /\b(un ?lock|locked|lock(ed)? (state|file)|stale lock|is locked)\b/,
    terms: ['lock', 'config', 'skiplock'],
    settings: ['lock', 'delete'],
  },
  {
    concept: 'protection',
    say: /\b(protect(ion|ed)?(?! by (the )?(ha|high)\b)|accidental(ly)? (delet|remov)\w*|prevent (delet|remov)\w*)\b/,
    terms: ['protection', 'config'],
    settings: ['protection'],
  },
  { concept: 'notes', say: /\b(notes?|comments?|annotation)\b/, terms: ['description', 'config'], settings: ['description'] },
  { concept: 'tags', say: /\btags?(ged)?\b/, terms: ['tags'], settings: ['tags'] },
  { concept: 'guest name', say: /\b(rename|hostname|display name)\b/, terms: ['name', 'config'], settings: ['name', 'hostname'] },
  {
    concept: 'container network',
    say: /\b(static ip|ip address of (the )?(ct|container)|gateway|gw)\b/,
    terms: ['net', 'ip'],
    settings: ['net', 'ipconfig'],
  },
  { concept: 'container console', say: /\b(cmode|console mode|tty)\b/, terms: ['cmode', 'config'], settings: ['cmode', 'tty'] },
  { concept: 'OS type', say: /\b(os ?type|ostype|windows \d+|win\d+|l26)\b/, terms: ['ostype', 'config'], settings: ['ostype'] },
  // Two-factor authentication (pveum: "Two-Factor Authentication").
  {
    concept: 'TFA',
    say: /\b(2fa|tfa|two[- ]factor|totp|otp|yubi ?key|webauthn|authenticator( app)?|recovery (keys?|codes?))\b/,
    terms: ['tfa'],
  },
  // A user or API token is named by its ID (pveum: "user@realm", "user@realm!token"); an e-mail address is not one.
  // What there is and in which state, across the cluster (pvesh get /cluster/resources).
  {
    concept: 'guests by state',
    say: /\b(running|stopped|powered[- ](on|off)|online|offline) (vms|guests|containers|cts|machines)\b|\b(vms|guests|containers|cts|machines)( \w+){0,3} (running|stopped|up|down|online|offline)\b/,
    terms: ['cluster', 'resources'],
  },
  {
    concept: 'the Proxmox VE version',
    // With what the question says around it ("… of proxmox is this", "… do we run"), which names nothing else.
    say: /(?:\b(?:pve|proxmox)(?: ve)? (?:version|release)|\b(?:version|release) of (?:pve|proxmox)(?: ve)?|\bwhat version(?: of (?:pve|proxmox)(?: ve)?)?)\b(?: (?:do|are|is|have) (?:we|you|i|it|this|they)(?: (?:currently|actually|now))?(?: (?:run|running|on|have|use|using|installed))?\b| is (?:this|it|installed|running)\b)?/,
    terms: ['version'],
    replaces: true,
    // "do we run" asks what is installed: no command is run.
    noVerb: true,
  },
  {
    concept: 'task history',
    say: /\b(failed|failing|errored|unsuccessful) (tasks?|jobs?|backups?|migrations?)\b|\bwhat (failed|went wrong|broke)\b|\btask (log|history)\b/,
    terms: ['tasks'],
  },
  { concept: 'user ID', say: /\b[a-z0-9._-]{1,64}@(pam|pve|[a-z][a-z0-9-]{0,31})\b(?![.!@])/, terms: ['user', 'users'] },
  { concept: 'API token ID', say: /\b[a-z0-9._-]{1,64}@[a-z][a-z0-9-]{0,31}![a-z0-9._-]{1,64}/, terms: ['token'] },
  // Consoles (qm/pct "Console": noVNC, SPICE, xterm.js).
  {
    concept: 'console',
    say: /\b(novnc|xterm(\.js)?|web ?console|serial terminal|terminal)\b/,
    terms: ['vncproxy', 'termproxy', 'console'],
  },
  // Templates and clones (qm: "Templates and Clones"); appliance templates (pveam).
  { concept: 'template', say: /\b(golden image|base image|template)\b/, terms: ['template', 'clone'] },
  {
    concept: 'appliance template',
    say: /\b(pveam|turnkey|appliances?|(ct|lxc|container) templates?)\b/,
    terms: ['aplinfo', 'template'],
    replaces: true,
  },
  // High availability (ha-manager: resources, node affinity and resource affinity rules, groups).
  {
    concept: 'HA resource',
    say: /\b(failover|fail over|restart(s|ed)? on (an)?other (node|host)|host (dies|fails|goes down)|ha[- ]managed)\b/,
    terms: ['ha', 'resources'],
  },
  {
    // What HA does with its guests when their node shuts down or reboots: the datacenter's `ha` option.
    concept: 'HA shutdown policy',
    say: /\b((ha )?shutdown[_ ]polic(y|ies)|ha (behaviou?r|polic(y|ies))|(migrated?|moved?|evacuated?)( [a-z0-9']+){0,2} (away|off|elsewhere) (when|if|whenever|before)( (a|the|its|their) (node|host)( is| gets| goes)?( shut ?down| rebooted| down| reboots| shuts down)?)?)\b/,
    terms: ['options', 'cluster'],
    settings: ['ha'],
    // "Shutdown" and "migrated" here name the case the setting is for, not something to do now.
    noVerb: true,
    replaces: true,
  },
  {
    concept: 'HA rule',
    say: /\b(anti-?affinity|affinity|keep (\w+ )*(apart|together)|(different|separate|same) (hosts|nodes)|never on the same)\b/,
    terms: ['ha', 'rules'],
  },
  // Firewall (pve-firewall: rules, IP sets, aliases, security groups).
  { concept: 'block an address', say: /\b(block|ban|blacklist|blocklist|deny|drop traffic)\b/, terms: ['firewall', 'ipset', 'rules'] },
  { concept: 'open a port', say: /\b(open|allow) (the )?port\b|\bport \d+\b/, terms: ['firewall', 'rules'] },
  // Backups and retention (vzdump: "Backup Retention").
  {
    concept: 'retention',
    say: /\b(retention|keep[- ](last|daily|weekly|monthly)|keep only|prune|old backups)\b/,
    terms: ['prune', 'backups'],
  },
  // A guest's backups are volumes on the storages that hold backups (content=backup, vmid), not jobs.
  {
    concept: 'backup archives',
    say: /\b(?:(?:last|latest|newest|most recent|recent|existing) backups?|backups)\b(?:\s+(?!jobs?\b|schedules?\b|tasks?\b)[\w']+){0,4}?\s+(?:of|for)\s+(?:the |this |that |a |my |our )?(?:vms?|cts?|containers?|guests?|machines?|qemu|lxc)\b|\bbackups? (?:files?|archives?|volumes?)\b(?:\s+(?:of|for)\s+(?:the |this |that |a |my |our )?(?:vms?|cts?|containers?|guests?|machines?|qemu|lxc)\b)?|\bwhich backups\b|\bbackups (?:exist|are there|available)\b/,
    terms: ['content', 'volume'],
    replaces: true,
  },
  {
    concept: 'backup job',
    say: /\b(scheduled|nightly|every (night|day|sunday|week|monday)|each night|cron)\b/,
    terms: ['backup', 'schedule', 'job'],
  },
  // Storage types (pvesm).
  { concept: 'network storage', say: /\b(nfs|smb|cifs|iscsi|glusterfs|pbs|proxmox backup server|nas|share)\b/, terms: ['storage'] },
  // Node maintenance (ha-manager crm-command node-maintenance, bulk migrate).
  { concept: 'node maintenance', say: /\b(maintenance|evacuate|drain|empty (the )?(node|host))\b/, terms: ['migrateall', 'maintenance'] },
  // Who did what: the cluster log and task list.
  { concept: 'audit trail', say: /\b(who (did|deleted|changed|removed|created|stopped)|audit|what happened)\b/, terms: ['tasks', 'log'] },
  // The command-line tools' names stand for their areas.
  // Names admins give nodes and the storages a node comes with (pvecm, pvesm): they say which area is meant.
  { concept: 'node name', say: new RegExp(String.raw`\b${NODE_NAME}\b`), terms: ['node'], weight: 0.4 },
  {
    concept: 'default storage',
    say: /\blocal-(lvm|zfs|btrfs)\b|\blocal storage\b|\b(on|in|from|to) local\b(?!-| (disks?|time|users?|accounts?|network|drives?|realm|login))/,
    terms: ['storage'],
    replaces: true,
  },
  { concept: 'qm', say: /\bqm\b/, terms: ['qemu'] },
  { concept: 'pct', say: /\bpct\b/, terms: ['lxc'] },
  { concept: 'pvesm', say: /\bpvesm\b/, terms: ['storage'] },
  { concept: 'pveum', say: /\bpveum\b/, terms: ['access'] },
  { concept: 'pvecm', say: /\bpvecm\b/, terms: ['cluster', 'config'] },
  { concept: 'ha-manager', say: /\bha-manager\b/, terms: ['ha'] },
  // Qemu monitor (qm monitor).
  { concept: 'qemu monitor', say: /\b(qemu monitor|hmp|qm monitor)\b/, terms: ['monitor'] },
];

export const PVE_RECIPES: Recipe[] = [
  {
    goal: 'find out why a guest crashes, freezes or stops',
    words:
      'crash crashes crashed crashing freeze freezes freezing frozen hang hangs hung stuck unresponsive dies died keeps stopping night overnight randomly random wrong problem unstable why investigate troubleshoot diagnose debug debugging panic lockup issue',
    steps: [
      { op: `GET ${N}/tasks`, why: 'tasks of the guest (filter vmid, errors)' },
      { op: `GET ${N}/journal`, why: 'node journal around that time' },
      { op: `GET ${Q}/rrddata`, why: 'CPU, memory and IO before it happened' },
      { op: `GET ${Q}/status/current`, why: 'its state now' },
    ],
  },
  {
    goal: 'diagnose a failed job or task (backup, migration, replication)',
    words: 'failed fails failing error errors job task backup migration replication why broke went wrong reason unsuccessful log logs',
    steps: [
      { op: 'GET /cluster/tasks', why: 'recent tasks of the cluster, with status' },
      { op: `GET ${N}/tasks/{upid}/log`, why: 'the failed task log' },
      { op: `GET ${N}/tasks/{upid}/status`, why: 'its exit status' },
    ],
  },
  {
    goal: 'find what fills a storage and make room',
    words:
      'full filled filling space room free up clean cleanup out of space running out taking what eating largest almost nearly usage using fills',
    steps: [
      { op: `GET ${N}/storage/{storage}/status`, why: 'used and free space' },
      { op: `GET ${N}/storage/{storage}/content`, why: 'its volumes with sizes (backups, images, ISOs)', main: true },
      { op: `DELETE ${N}/storage/{storage}/prunebackups`, why: 'prune old backups by retention' },
      { op: `DELETE ${N}/storage/{storage}/content/{volume}`, why: 'delete one volume' },
    ],
  },
  {
    goal: 'find which guest uses the most CPU, memory or disk',
    words:
      'which guest vm container eating hogging using most top heavy consumes cpu ram memory load busy responsible culprit hog hogs consuming consumption spike high',
    steps: [
      { op: 'GET /cluster/resources', why: 'every guest with cpu, mem, disk (type=vm)' },
      { op: `GET ${Q}/rrddata`, why: 'one guest over time' },
      { op: `GET ${N}/status`, why: 'the node totals' },
    ],
  },
  {
    goal: 'empty a node for maintenance (reboot, kernel update, hardware work)',
    words:
      'maintenance reboot kernel update upgrade hardware without downtime evacuate empty drain move everything off node host patch patching going down interruption offline',
    steps: [
      { op: 'GET /cluster/resources', why: 'what runs on the node' },
      { op: `POST ${N}/migrateall`, why: 'migrate all its guests to a target node', main: true },
      { op: `POST ${Q}/migrate`, why: 'or one guest at a time' },
      {
        op: 'PUT /cluster/options',
        why: "or have HA move its guests first: ha=shutdown_policy=migrate (HA's maintenance mode is CLI-only: ha-manager crm-command node-maintenance)",
      },
      { op: `POST ${N}/status`, why: 'reboot the node (command=reboot)' },
    ],
  },
  {
    goal: 'move every guest off a failing disk or storage',
    words:
      'failing dying bad broken degraded disk drive storage move get everything off evacuate smart sectors reallocated replace replacing errors',
    steps: [
      { op: `GET ${N}/disks/smart`, why: 'SMART health of the disk' },
      { op: `GET ${N}/storage/{storage}/content`, why: 'which guest volumes live there' },
      { op: `POST ${Q}/move_disk`, why: 'move a VM disk to another storage', main: true },
      { op: `POST ${L}/move_volume`, why: 'move a container volume' },
    ],
  },
  {
    goal: 'back up guests on a schedule (by tag, pool or all)',
    words: 'backup schedule scheduled every night nightly sunday weekly daily automatic tagged tag pool all regularly',
    steps: [
      { op: 'POST /cluster/backup', why: 'a backup job: schedule, storage, vmid/pool/all, retention' },
      { op: 'GET /cluster/backup', why: 'existing jobs' },
      { op: 'GET /cluster/backup-info/not-backed-up', why: 'guests no job covers' },
    ],
  },
  {
    goal: 'check that backups succeed and are usable',
    words: 'backup ok okay succeed successful worked verify check last latest usable restore test working actually',
    steps: [
      { op: `GET ${N}/storage/{storage}/content`, why: 'backups on the storage (content=backup, vmid)' },
      { op: 'GET /cluster/tasks', why: 'recent vzdump tasks and their status' },
      { op: `GET ${N}/tasks/{upid}/log`, why: 'one backup task log' },
    ],
  },
  {
    goal: 'restore a guest from a backup',
    words: 'restore recover backup archive vma tar bring back deleted lost mistake accidentally undelete get back',
    steps: [
      { op: `GET ${N}/storage/{storage}/content`, why: 'pick the backup volume (content=backup)' },
      { op: `POST ${N}/qemu`, why: 'restore a VM (archive=volume, vmid)', main: true },
      { op: `POST ${N}/lxc`, why: 'restore a container (ostemplate=volume, restore=1)' },
    ],
  },
  {
    goal: 'template, clone, cloud-init and resize: new VMs from a golden image',
    words: 'template golden image clone copies identical servers deploy many cloud-init spin up base image several multiple',
    steps: [
      { op: `POST ${Q}/template`, why: 'turn the prepared VM into a template' },
      { op: `POST ${Q}/clone`, why: 'clone it (full or linked) to a new vmid' },
      { op: `PUT ${Q}/config`, why: 'cloud-init user, sshkeys, ipconfig0' },
      { op: `PUT ${Q}/resize`, why: 'grow the disk' },
    ],
  },
  {
    goal: 'create a VM from a cloud image',
    words: 'cloud image qcow2 img debian ubuntu cloudimg import new vm ssh key cloud-init',
    steps: [
      { op: `POST ${N}/storage/{storage}/download-url`, why: 'fetch the image (content=import)' },
      { op: `POST ${N}/qemu`, why: 'create the VM importing the image as its disk (import-from)' },
      { op: `PUT ${Q}/config`, why: 'cloud-init drive, ciuser, sshkeys, ipconfig0' },
      { op: `POST ${Q}/status/start`, why: 'start it' },
    ],
  },
  {
    goal: 'prepare a new disk as storage for guests',
    words: 'new disk nvme ssd hdd drive prepare use as storage zfs lvm lvm-thin thin directory add installed put added vms',
    steps: [
      { op: `GET ${N}/disks/list`, why: 'find the disk, check it is unused' },
      { op: `PUT ${N}/disks/wipedisk`, why: 'wipe it if it held something' },
      { op: `POST ${N}/disks/lvmthin`, why: 'LVM-thin (or disks/zfs, disks/lvm, disks/directory) with add_storage=1' },
      { op: `POST ${N}/disks/zfs`, why: 'or a ZFS pool' },
    ],
  },
  {
    goal: 'create a restricted role and give a user only that',
    words:
      'restricted limited read only readonly only can role intern contractor access least privilege give permission see view auditor should able',
    steps: [
      { op: 'POST /access/roles', why: 'a role with only the privileges needed' },
      { op: 'POST /access/users', why: 'the user, if new' },
      { op: 'PUT /access/acl', why: 'grant the role on a path (/, /vms/ID, /pool/NAME)' },
    ],
  },
  {
    goal: 'block an IP address',
    words: 'block ban deny attacker attacking abusive ip address blocklist blacklist drop brute force bruteforce attack attempts scanning',
    steps: [
      { op: 'POST /cluster/firewall/ipset', why: 'an IP set, e.g. blocklist' },
      { op: 'POST /cluster/firewall/ipset/{name}', why: 'add the address (cidr)' },
      { op: 'POST /cluster/firewall/rules', why: 'a DROP rule with source +blocklist' },
      { op: 'PUT /cluster/firewall/options', why: 'make sure the firewall is enabled' },
    ],
  },
  {
    goal: 'recover a user account (password, lost second factor, locked out)',
    words:
      'forgot forgotten lost locked out cannot login log in get back recover account password phone totp second factor reset too many attempts failed logins',
    steps: [
      { op: 'PUT /access/password', why: 'set a new password' },
      { op: 'GET /access/tfa/{userid}', why: 'their second factors' },
      { op: 'DELETE /access/tfa/{userid}/{id}', why: 'remove the lost factor' },
      { op: 'PUT /access/users/{userid}/unlock-tfa', why: 'unlock after too many TFA failures' },
    ],
  },
  {
    goal: 'find who changed or deleted something',
    words:
      'who did deleted changed removed stopped created audit when happened someone somebody shut shutdown rebooted started migrated moved destroyed yesterday',
    steps: [
      { op: 'GET /cluster/tasks', why: 'tasks with user and time' },
      { op: 'GET /cluster/log', why: 'the cluster log' },
      { op: `GET ${N}/tasks`, why: "one node's tasks (filter vmid, userfilter)" },
    ],
  },
  {
    goal: 'fix a guest that is locked',
    words: 'locked lock stuck cannot cant do anything backup snapshot migrate unlock stale',
    steps: [
      { op: `GET ${Q}/status/current`, why: 'the lock and the state' },
      { op: `GET ${N}/tasks`, why: 'is the task holding the lock still running' },
      { op: `PUT ${Q}/config`, why: 'remove a stale lock: delete=lock, skiplock=1', main: true },
    ],
  },
  {
    goal: 'find out why a guest has no network',
    words: 'no network cant get on network cannot reach ping unreachable no ip connectivity bridge offline internet connection dns',
    steps: [
      { op: `GET ${Q}/config`, why: 'its net0: bridge, tag, firewall, link_down' },
      { op: `GET ${N}/network`, why: "the node's bridges and VLANs" },
      { op: `GET ${Q}/agent/network-get-interfaces`, why: 'the addresses the guest has' },
      { op: `GET ${Q}/firewall/options`, why: 'guest firewall settings' },
    ],
  },
  {
    goal: 'undo a change that broke a guest',
    words: 'undo revert broke broken wont boot after changed change go back previous working doesnt anymore changing',
    steps: [
      { op: `GET ${Q}/pending`, why: 'pending and current values' },
      { op: `POST ${Q}/snapshot/{snapname}/rollback`, why: 'roll back to a snapshot, if one exists' },
      { op: `PUT ${Q}/config`, why: 'set the old value again, or revert=key' },
    ],
  },
  {
    goal: 'test a risky change safely',
    words: 'test safely safe before upgrade update risky experiment try fallback way back',
    steps: [
      { op: `POST ${Q}/snapshot`, why: 'snapshot first' },
      { op: `POST ${Q}/snapshot/{snapname}/rollback`, why: 'roll back if it goes wrong' },
      { op: `DELETE ${Q}/snapshot/{snapname}`, why: 'delete it when done' },
    ],
  },
  {
    goal: 'keep a guest running when its node fails (HA)',
    words:
      'restart on another node host dies fails failure failover high availability keep running always up goes down come back comes back automatically',
    steps: [
      { op: 'POST /cluster/ha/resources', why: 'add the guest as an HA resource (sid vm:ID)' },
      { op: 'POST /cluster/ha/rules', why: 'node affinity: where it may run' },
      { op: 'GET /cluster/ha/status/current', why: 'HA state' },
    ],
  },
  {
    goal: 'see which guests would survive their node failing',
    words: 'which would survive surviving dying dies die crash crashes lost lose outage what happens if recovered recover protected',
    steps: [
      { op: 'GET /cluster/ha/resources', why: 'the guests HA restarts elsewhere', main: true },
      { op: 'GET /cluster/resources', why: 'where each guest runs (type=vm)' },
      { op: `GET ${N}/storage`, why: 'which storages are shared (other nodes can reach the disks)' },
      { op: 'GET /cluster/replication', why: 'whose local disks are copied to another node' },
    ],
  },
  {
    goal: 'keep guests apart or together on nodes',
    words: 'keep apart together different same hosts nodes never separate spread anti affinity',
    steps: [
      { op: 'POST /cluster/ha/rules', why: 'resource affinity rule (positive or negative)' },
      { op: 'POST /cluster/ha/resources', why: 'the guests must be HA resources' },
    ],
  },
  {
    goal: 'apply host updates',
    words: 'updates waiting pending available upgrade patch hosts nodes apt packages security update all',
    steps: [
      { op: `POST ${N}/apt/update`, why: 'refresh the package index' },
      { op: `GET ${N}/apt/update`, why: 'the pending updates', main: true },
      { op: `GET ${N}/apt/versions`, why: 'installed versions' },
    ],
  },
  {
    goal: 'renew or replace a node certificate',
    words:
      'certificate expired expiring browser warning complains https renew lets encrypt tls ssl connection not private insecure warns firefox chrome web ui',
    steps: [
      { op: `GET ${N}/certificates/info`, why: 'current certificates and expiry' },
      { op: `PUT ${N}/certificates/acme/certificate`, why: 'renew via ACME' },
      { op: `POST ${N}/certificates/custom`, why: 'or upload your own' },
    ],
  },
  {
    goal: 'check why the cluster lost quorum',
    words: 'quorum lost cluster split brain nodes missing offline corosync not quorate red no',
    steps: [
      { op: 'GET /cluster/status', why: 'quorum and node states' },
      { op: 'GET /cluster/config/nodes', why: 'configured members' },
      { op: `GET ${N}/journal`, why: 'corosync messages on a node' },
    ],
  },
  {
    goal: 'check whether a node runs out of memory or CPU',
    words: 'running out memory ram oom swap swapping overloaded load slow node host capacity lot',
    steps: [
      { op: `GET ${N}/status`, why: 'memory, swap, load now' },
      { op: `GET ${N}/rrddata`, why: 'over time' },
      { op: 'GET /cluster/resources', why: 'which guests use it' },
    ],
  },
  {
    goal: 'see what space each guest disk uses',
    words: 'space disk each vm guest size usage how much used volumes',
    steps: [
      { op: `GET ${N}/storage/{storage}/content`, why: 'volumes with size per vmid' },
      { op: 'GET /cluster/resources', why: 'disk and maxdisk per guest' },
      { op: `GET ${Q}/agent/get-fsinfo`, why: 'filesystems inside a VM' },
    ],
  },
  {
    goal: 'find guests without backup',
    words: 'not backed up no backup without backup unprotected missing coverage',
    steps: [
      { op: 'GET /cluster/backup-info/not-backed-up', why: 'guests no backup job covers' },
      { op: 'POST /cluster/backup', why: 'add them to a job' },
    ],
  },
  {
    goal: 'keep only a number of backups (retention)',
    words: 'keep only last daily weekly backups retention prune old rotate',
    steps: [
      { op: 'PUT /cluster/backup/{id}', why: 'prune-backups of the job (keep-daily=7)' },
      { op: 'PUT /storage/{storage}', why: "or the storage's prune-backups" },
      { op: `DELETE ${N}/storage/{storage}/prunebackups`, why: 'prune now' },
    ],
  },
  {
    goal: 'get notified when something fails',
    words: 'notify notified email mail alert message when fails failure gotify webhook',
    steps: [
      { op: 'POST /cluster/notifications/endpoints/smtp', why: 'where to send (or sendmail, gotify, webhook)' },
      { op: 'POST /cluster/notifications/matchers', why: 'which events (severity, type) go there' },
      { op: 'POST /cluster/notifications/targets/{name}/test', why: 'send a test' },
    ],
  },
  {
    goal: 'migrate a guest to another node',
    words: 'migrate move guest vm container other node host live online',
    steps: [
      { op: `GET ${Q}/migrate`, why: 'preconditions (local disks, resources)' },
      { op: `POST ${Q}/migrate`, why: 'migrate (online=1 for live)', main: true },
      { op: `POST ${L}/migrate`, why: 'for a container (restart=1)' },
    ],
  },
  {
    goal: 'add a network storage (NFS, SMB, iSCSI, PBS)',
    words: 'add mount network storage nfs smb cifs iscsi pbs share nas',
    steps: [
      { op: `GET ${N}/scan/nfs`, why: 'see the exports (or scan/cifs, scan/iscsi, scan/pbs)' },
      { op: 'POST /storage', why: 'add the storage (type, server, export, content)', main: true },
      { op: `GET ${N}/storage/{storage}/status`, why: 'check it is active' },
    ],
  },
  {
    goal: 'give a container Docker (nesting)',
    words: 'docker in lxc container nesting keyctl podman run docker',
    steps: [
      { op: `PUT ${L}/config`, why: 'features: nesting=1,keyctl=1' },
      { op: `POST ${L}/status/reboot`, why: 'restart it to apply' },
    ],
  },
  {
    goal: 'pass a PCI device or GPU through to a VM',
    words: 'gpu pci pcie passthrough graphics card pass through',
    steps: [
      { op: `GET ${N}/hardware/pci`, why: "the host's PCI devices and IOMMU groups" },
      { op: 'POST /cluster/mapping/pci', why: 'optional: a resource mapping' },
      { op: `PUT ${Q}/config`, why: 'hostpci0: device or mapping, pcie=1, x-vga=1', main: true },
    ],
  },
  {
    goal: 'run a command inside a guest',
    words: 'run command inside guest vm execute shell script in',
    steps: [
      { op: `POST ${Q}/agent/exec`, why: 'start it through the guest agent' },
      { op: `GET ${Q}/agent/exec-status`, why: 'its output and exit code' },
    ],
  },
  {
    goal: "find a guest's IP address",
    words: 'ip address of guest vm container what ip find',
    steps: [
      { op: `GET ${Q}/agent/network-get-interfaces`, why: "a VM's addresses (guest agent)" },
      { op: `GET ${L}/interfaces`, why: "a container's addresses" },
    ],
  },
  {
    goal: 'add a user who logs in with a password',
    words: 'new user account colleague login add create person',
    steps: [
      { op: 'POST /access/users', why: 'the user (userid name@realm)' },
      { op: 'PUT /access/password', why: 'its password (pve realm)' },
      { op: 'PUT /access/acl', why: 'what it may do' },
    ],
  },
  {
    goal: 'set up an API token for automation',
    words: 'api token automation terraform ansible script ci pipeline',
    steps: [
      { op: 'POST /access/users/{userid}/token/{tokenid}', why: 'the token (privsep)' },
      { op: 'PUT /access/acl', why: 'grant the token its role (tokens=)' },
    ],
  },
  {
    goal: 'shut the whole cluster down or start it again',
    words: 'shut down whole cluster power outage ups all nodes everything stop start again',
    steps: [
      { op: `POST ${N}/stopall`, why: 'stop the guests of a node' },
      { op: `POST ${N}/status`, why: 'shut the node down (command=shutdown)' },
      { op: `POST ${N}/startall`, why: 'start guests again (onboot)' },
    ],
  },
  {
    goal: 'grow a guest disk and its filesystem',
    words: 'grow disk bigger more space full root filesystem expand enlarge',
    steps: [
      { op: `PUT ${Q}/resize`, why: 'grow the VM disk (+10G)' },
      { op: `PUT ${L}/resize`, why: 'or a container volume' },
      { op: `POST ${Q}/agent/exec`, why: 'grow the filesystem inside (growpart, resize2fs)' },
    ],
  },
  {
    goal: 'replicate a guest to another node',
    words: 'replicate replication copy sync to another node zfs standby in case dies keep',
    steps: [
      { op: 'POST /cluster/replication', why: 'a job: guest, target node, schedule' },
      { op: `GET ${N}/replication/{id}/status`, why: 'its state' },
      { op: `POST ${N}/replication/{id}/schedule_now`, why: 'run it now' },
    ],
  },
];

export const PVE_KNOWLEDGE: ProductKnowledge = { product: 'pve', concepts: PVE_CONCEPTS, recipes: PVE_RECIPES };
