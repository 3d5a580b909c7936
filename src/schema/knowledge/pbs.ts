import type { Concept, ProductKnowledge, Recipe } from './types.js';

// Proxmox Backup Server's concepts in the words of its admin guide (Backup Storage: datastores,
// namespaces, backup groups and snapshots; Maintenance: prune, garbage collection, verification;
// Managing Remotes and Sync; Tape Backup; Encryption) and in the words people use for them.
// Written per concept and per goal, never per question.

const DS = '/admin/datastore/{store}';

export const PBS_CONCEPTS: Concept[] = [
  // The product's own name says nothing about which operation is meant.
  { concept: 'the Backup Server', say: /\b(proxmox )?backup server\b|\bpbs\b/, terms: [] },
  { concept: 'datastore', say: /\b(datastores?|data stores?|backup stores?|chunk ?stores?)\b/, terms: ['datastore'] },
  { concept: 'namespace', say: /\b(namespaces?)\b/, terms: ['namespace'] },
  { concept: 'backup group', say: /\b(backup groups?|whole group|group of (vm|ct|host))\b/, terms: ['groups'] },
  { concept: 'backup snapshot', say: /\b(backup snapshots?|snapshots?|forget)\b/, terms: ['snapshots'] },
  {
    concept: 'garbage collection',
    say: /\b(gc|garbage[- ]collect\w*|reclaim\w*( space)?|chunk cleanup|unused chunks|free (up )?(disk )?space)\b/,
    terms: ['gc'],
  },
  { concept: 'verification', say: /\b(verif\w*|integrity|bit ?rot|corrupt\w*)\b/, terms: ['verify'] },
  { concept: 'prune', say: /\b(prun\w*|retention|keep[- ]?(last|hourly|daily|weekly|monthly|yearly)|old backups)\b/, terms: ['prune'] },
  { concept: 'sync', say: /\b(sync(hroni[sz]e)?( jobs?)?|off-?site( copy| copies)?|second site|replicat\w*)\b/, terms: ['sync'] },
  { concept: 'pull', say: /\bpull(ing)?\b/, terms: ['pull', 'sync'] },
  { concept: 'push', say: /\bpush(ing)?\b/, terms: ['push', 'sync'] },
  { concept: 'remote', say: /\b(remote( backup server| pbs)?s?|other backup server|second pbs)\b/, terms: ['remote'] },
  { concept: 'tape', say: /\b(tapes?|lto\d*|changers?|media pools?|barcodes?|cartridges?)\b/, terms: ['tape'] },
  { concept: 'tape drive', say: /\b(tape )?drives?\b/, terms: ['drive'] },
  { concept: 'encryption key', say: /\b(encryption keys?|client keys?|master keys?|key ?files?)\b/, terms: ['encryption-keys'] },
  { concept: 'traffic control', say: /\b(bandwidth|rate[- ]?limit\w*|throttl\w*|traffic)\b/, terms: ['traffic-control'] },
  {
    concept: 'maintenance mode',
    say: /\b(maintenance( mode)?|read-?only mode|offline mode)\b/,
    terms: ['datastore', 'maintenance-mode'],
    settings: ['maintenance-mode'],
    noVerb: true,
  },
  { concept: 'protection', say: /\b(protect\w*|keep forever|never (prune|delete)d?)\b/, terms: ['protected'] },
  { concept: 'notes', say: /\b(notes?|comments?|annotat\w*|descriptions?)\b/, terms: ['notes'] },
  { concept: 'owner', say: /\b(owner(ship)?|chown)\b/, terms: ['change-owner', 'owner'] },
  { concept: 'removable datastore', say: /\b(usb|removable|external (disk|drive)|mount|unmount|eject)\b/, terms: ['mount', 'unmount'] },
  { concept: 'snapshot contents', say: /\b(files? in|contents? of|browse|catalog|pxar|file ?list)\b/, terms: ['files', 'catalog'] },
  { concept: 'S3 backend', say: /\b(s3|object stor\w*|buckets?)\b/, terms: ['s3'] },
  { concept: 'task log', say: /\b(why did|what went wrong|task logs?|(did|has) (it|the \w+) fail\w*)\b/, terms: ['tasks', 'log'] },
  { concept: 'permissions', say: /\b(roles?|permissions?|acls?|rights|datastore(backup|admin|reader|audit|poweruser))\b/, terms: ['acl'] },
  { concept: 'package updates', say: /\b(apt|package updates?|upgrades?|updates)\b/, terms: ['apt', 'update'] },
  { concept: 'disk health', say: /\b(smart|disk health|failing disk)\b/, terms: ['smart', 'disks'] },
  { concept: 'space', say: /\b(space|usage|full|capacity|how much)\b/, terms: ['datastore-usage', 'status'] },
  { concept: 'proxmox-backup-manager', say: /\bproxmox-backup-manager\b/, terms: ['config'] },
  { concept: 'proxmox-tape', say: /\bproxmox-tape\b/, terms: ['tape'] },
];

export const PBS_RECIPES: Recipe[] = [
  {
    goal: 'restore a file from a backup',
    words: 'restore recover single file from backup snapshot download',
    steps: [
      { op: `GET ${DS}/snapshots`, why: 'find the snapshot (backup-type, backup-id, backup-time)' },
      { op: `GET ${DS}/catalog`, why: 'browse its archive for the file' },
      { op: `GET ${DS}/pxar-file-download`, why: 'download the file (a streaming download: use proxmox-backup-client or curl)' },
    ],
  },
  {
    goal: 'keep copies of the backups at a second site',
    words: 'offsite copy second site replicate backups remote sync disaster',
    steps: [
      { op: 'POST /config/remote', why: 'add the other Backup Server as a remote' },
      { op: 'POST /config/sync', why: 'create a sync job pulling its datastore (with a schedule)' },
      { op: 'POST /admin/sync/{id}/run', why: 'run it once now' },
    ],
  },
  {
    goal: 'free space on a datastore',
    words: 'datastore full free space reclaim disk usage old backups',
    steps: [
      { op: 'GET /status/datastore-usage', why: 'see how full each datastore is' },
      { op: `POST ${DS}/prune-datastore`, why: 'prune by keep options (dry-run first)' },
      { op: `POST ${DS}/gc`, why: 'garbage collection frees the chunks no snapshot uses any more' },
    ],
  },
];

export const PBS_KNOWLEDGE: ProductKnowledge = { product: 'pbs', concepts: PBS_CONCEPTS, recipes: PBS_RECIPES };
