import { createHash } from 'node:crypto';
import { hasAnyPriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { checkDigest, crudOperations } from '../crud.js';
import { PveError, paramError } from '../errors.js';
import { P, opt, type Props, scalarsOf, type WireParams } from '../params.js';
import { op, returns, type Operation } from '../schema.js';
import { parsePropertyString, type StorageDef } from '../state.js';
import { index, STORAGE_TYPES } from './common.js';

const AUDIT = { check: ['perm', '/', ['Sys.Audit']] };
const MODIFY = { check: ['perm', '/', ['Sys.Modify']] };
const list = (v: unknown) =>
  String(v ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);

const CLUSTER_OPTIONS = {
  keyboard: opt(
    P.enum('Default keybord layout for vnc server.', [
      'de',
      'de-ch',
      'da',
      'en-gb',
      'en-us',
      'es',
      'fi',
      'fr',
      'fr-be',
      'fr-ca',
      'fr-ch',
      'hu',
      'is',
      'it',
      'ja',
      'lt',
      'mk',
      'nl',
      'no',
      'pl',
      'pt',
      'pt-br',
      'sv',
      'sl',
      'tr',
    ]),
  ),
  language: opt(
    P.enum('Default GUI language.', [
      'ar',
      'ca',
      'da',
      'de',
      'en',
      'es',
      'eu',
      'fa',
      'fr',
      'hr',
      'he',
      'it',
      'ja',
      'ka',
      'kr',
      'nb',
      'nl',
      'nn',
      'pl',
      'pt_BR',
      'ru',
      'sl',
      'sv',
      'tr',
      'ukr',
      'zh_CN',
      'zh_TW',
    ]),
  ),
  console: opt(P.enum('Select the default Console viewer.', ['applet', 'vv', 'html5', 'xtermjs'])),
  email_from: opt(P.str('Specify email address to send notification from (default is root@$hostname)', { format: 'email-opt' })),
  http_proxy: opt(
    P.str("Specify external http proxy which is used for downloads (example: 'http://username:password@host:port/')", {
      pattern: 'http://.*',
    }),
  ),
  mac_prefix: opt(P.str('Prefix for the auto-generated MAC addresses of virtual guests.', { format: 'mac-prefix', default: 'BC:24:11' })),
  max_workers: opt(
    P.int("Defines how many workers (per node) are maximal started  on actions like 'stopall VMs' or task from the ha-manager.", {
      minimum: 1,
    }),
  ),
  migration: opt({
    type: 'string',
    description: 'For cluster wide migration settings.',
    format: {
      type: {
        type: 'string',
        enum: ['secure', 'insecure'],
        default: 'secure',
        default_key: 1,
        optional: 1,
        description: 'Whether migration traffic is encrypted (secure, over SSH) or not.',
      },
      network: { type: 'string', format: 'CIDR', optional: 1, description: 'The network that migration traffic uses.' },
    },
    typetext: '[type=]<secure|insecure> [,network=<CIDR>]',
  }),
  bwlimit: opt(P.str('Set I/O bandwidth limit for various operations (in KiB/s).')),
  description: opt(P.str('Datacenter description. Shown in the web-interface datacenter notes panel.', { maxLength: 65536 })),
  'next-id': opt(P.str('Control the range for the free VMID auto-selection pool.', { typetext: '[lower=<integer>] [,upper=<integer>]' })),
  'registered-tags': opt(
    P.str(
      "A list of tags that require a `Sys.Modify` on '/' to set and delete. Tags set here that are also in 'user-tag-access' also require `Sys.Modify`.",
    ),
  ),
  'tag-style': opt(P.str('Tag style options.')),
  ha: opt({
    type: 'string',
    description: 'Cluster wide HA settings.',
    format: {
      shutdown_policy: {
        type: 'string',
        enum: ['freeze', 'failover', 'conditional', 'migrate'],
        default: 'conditional',
        optional: 1,
        description:
          "What HA does with its services when their node shuts down or reboots: 'freeze' keeps them there, 'failover' recovers them elsewhere, 'conditional' freezes on reboot and recovers on poweroff, 'migrate' moves them first.",
      },
    },
    typetext: 'shutdown_policy=<enum>',
  }),
  crs: opt(P.str('Cluster resource scheduling settings.')),
  fencing: opt(P.enum('Set the fencing mode of the HA cluster.', ['watchdog', 'hardware', 'both'], { default: 'watchdog' })),
} satisfies Props;

/** Storage types and what each needs, the subset of PVE's storage plugins the simulator knows. */
const STORAGE_FIELDS = {
  content: opt(P.str('Allowed content types.', { format: 'pve-storage-content-list' })),
  nodes: opt(P.str('List of nodes for which the storage configuration applies.', { format: 'pve-node-list' })),
  disable: opt(P.bool('Flag to disable the storage.')),
  shared: opt(
    P.bool("Indicate that this is a single storage with the same contents on all nodes (or all listed in the 'nodes' option).", {
      default: 0,
    }),
  ),
  'prune-backups': opt(
    P.str('The retention options with shorter intervals are processed first with --keep-last being the very first one.', {
      format: 'prune-backups',
    }),
  ),
  server: opt(P.str('Server IP or DNS name.', { format: 'pve-storage-server' })),
  options: opt(P.str("NFS/CIFS mount options (see 'man nfs' or 'man mount.cifs')", { format: 'pve-storage-options' })),
  pool: opt(P.str('Pool.')),
  sparse: opt(P.bool('use sparse volumes')),
  username: opt(P.str('RBD Id.')),
  password: opt(P.str('Password for accessing the share/datastore.', { maxLength: 256 })),
  fingerprint: opt(P.str('Certificate SHA 256 fingerprint.', { pattern: '([A-Fa-f0-9]{2}:){31}[A-Fa-f0-9]{2}' })),
  'max-protected-backups': opt(P.int("Maximal number of protected backups per guest. Use '-1' for unlimited.", { minimum: -1 })),
  mkdir: opt(
    P.bool(
      "Create the directory if it doesn't exist and populate it with default sub-dirs. NOTE: Deprecated, use the 'create-base-path' and 'create-subdirs' options instead.",
    ),
  ),
  bwlimit: opt(P.str('Set I/O bandwidth limit for various operations (in KiB/s).')),
} satisfies Props;
const STORAGE_CREATE_ONLY = {
  type: P.enum('Storage type.', STORAGE_TYPES),
  path: opt(P.str('File system path.', { format: 'pve-storage-path' })),
  export: opt(P.str('NFS export path.', { format: 'pve-storage-path' })),
  share: opt(P.str('CIFS share.')),
  vgname: opt(P.str('Volume group name.', { format: 'pve-storage-vgname' })),
  thinpool: opt(P.str('LVM thin pool LV name.', { format: 'pve-storage-vgname' })),
  datastore: opt(P.str('Proxmox Backup Server datastore name.')),
} satisfies Props;
const CONTENT_TYPES = ['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import'];
const REQUIRED: Record<string, string[]> = {
  dir: ['path'],
  nfs: ['server', 'export'],
  cifs: ['server', 'share'],
  lvm: ['vgname'],
  lvmthin: ['vgname', 'thinpool'],
  zfspool: ['pool'],
  pbs: ['server', 'datastore', 'username'],
  rbd: ['pool'],
};
const DEFAULT_CONTENT: Record<string, string[]> = {
  dir: ['iso', 'vztmpl', 'backup'],
  nfs: ['images'],
  cifs: ['images'],
  lvm: ['images', 'rootdir'],
  lvmthin: ['images', 'rootdir'],
  zfspool: ['images', 'rootdir'],
  pbs: ['backup'],
  rbd: ['images'],
};

function storageRow(s: StorageDef, digest: string): Record<string, unknown> {
  const row: Record<string, unknown> = { storage: s.storage, type: s.type, content: s.content.join(','), digest, ...s.extra };
  if (s.shared) row.shared = 1;
  return row;
}

function storageDigest(ctx: RequestContext): string {
  return createHash('sha1')
    .update(JSON.stringify(ctx.sim.state.storages.map((s) => [s.storage, s.type, s.content, s.extra])))
    .digest('hex');
}

function checkContent(type: string, content: unknown): string[] | undefined {
  if (content === undefined) return undefined;
  const c = list(content);
  for (const x of c) if (!CONTENT_TYPES.includes(x) && x !== 'none') throw paramError({ content: `invalid content type '${x}'` });
  const allowed =
    type === 'lvm' || type === 'lvmthin' || type === 'zfspool' || type === 'rbd'
      ? ['images', 'rootdir', 'none']
      : type === 'pbs'
        ? ['backup', 'none']
        : [...CONTENT_TYPES, 'none'];
  const bad = c.find((x) => !allowed.includes(x));
  if (bad) throw paramError({ content: `storage type '${type}' does not support content type '${bad}'` });
  return c.filter((x) => x !== 'none');
}

function storageOperations(): Operation[] {
  const find = (ctx: RequestContext<{ readonly storage: string }>) => {
    const s = ctx.sim.state.storage(ctx.params.storage);
    if (!s) throw new PveError(500, `storage '${ctx.params.storage}' does not exist`);
    return s;
  };
  const setFields = (ctx: RequestContext<WireParams & { readonly nodes?: string; readonly shared?: 0 | 1 }>, s: StorageDef) => {
    const given = scalarsOf(ctx.params, Object.keys(STORAGE_FIELDS));
    for (const [k, v] of Object.entries(given)) {
      if (k === 'content' || k === 'password') continue;
      if (k === 'shared') s.shared = v ? 1 : 0;
      else s.extra[k] = v;
    }
    if (ctx.params.nodes !== undefined)
      for (const n of list(ctx.params.nodes)) if (!ctx.sim.state.node(n)) throw paramError({ nodes: `no such node '${n}'` });
  };
  return [
    op({
      method: 'POST',
      path: '/storage',
      name: 'create',
      description: 'Create a new storage.',
      parameters: { storage: P.storage(), ...STORAGE_CREATE_ONLY, ...STORAGE_FIELDS },
      returns: { type: 'object', properties: { storage: P.storage(), type: P.str('') } },
      permissions: { check: ['perm', '/storage', ['Datastore.Allocate']] },
      protected: 1,
      handler: (ctx) => {
        const state = ctx.sim.state;
        const type: string = ctx.params.type;
        if (state.storage(ctx.params.storage))
          throw new PveError(500, `create storage failed: storage ID '${ctx.params.storage}' already defined`);
        const need = REQUIRED[type];
        if (!need)
          throw new PveError(
            500,
            `create storage failed: storage type '${type}' is not simulated (supported: ${Object.keys(REQUIRED).join(', ')})`,
          );
        const given: WireParams = ctx.params;
        for (const k of need) if (given[k] === undefined) throw paramError({ [k]: `property is missing and it is not optional` });
        const facts = state.nodeFacts;
        if (type === 'lvmthin' || type === 'lvm') {
          const has = [...facts.values()].some(
            (f) =>
              f.volumeGroups.get(String(ctx.params.vgname)) &&
              (type === 'lvm' || f.volumeGroups.get(String(ctx.params.vgname))!.thinpools.has(String(ctx.params.thinpool))),
          );
          if (!has)
            throw new PveError(
              500,
              `create storage failed: ${type === 'lvm' ? `volume group '${ctx.params.vgname}'` : `thin pool '${ctx.params.vgname}/${ctx.params.thinpool}'`} does not exist on any node`,
            );
        }
        if (type === 'zfspool' && ![...facts.values()].some((f) => f.zfsPools.has(String(ctx.params.pool).split('/')[0])))
          throw new PveError(500, `create storage failed: zfs pool '${ctx.params.pool}' does not exist on any node`);
        if ((type === 'nfs' || type === 'cifs' || type === 'pbs') && /\.invalid$|^203\.0\.113\./.test(String(ctx.params.server))) {
          throw new PveError(500, `create storage failed: storage '${ctx.params.storage}' is not online`);
        }
        const s: StorageDef = {
          storage: ctx.params.storage,
          type: type as StorageDef['type'],
          content: checkContent(type, ctx.params.content) ?? DEFAULT_CONTENT[type],
          shared: type === 'nfs' || type === 'cifs' || type === 'pbs' || type === 'rbd' ? 1 : 0,
          extra: {},
          total: type === 'pbs' ? 8_796_093_022_208 : 2_199_023_255_552,
          volumes: new Map(),
        };
        for (const k of ['path', 'export', 'share', 'vgname', 'thinpool', 'datastore'] as const)
          if (ctx.params[k] !== undefined) s.extra[k] = ctx.params[k];
        if (type === 'nfs' || type === 'cifs') s.extra.path = `/mnt/pve/${s.storage}`;
        setFields(ctx, s);
        state.storages.push(s);
        return { storage: s.storage, type: s.type };
      },
    }),
    op({
      method: 'GET',
      path: '/storage/{storage}',
      name: 'read',
      description: 'Read storage configuration.',
      parameters: { storage: P.storage() },
      returns: { type: 'object' },
      permissions: { check: ['perm', '/storage/{storage}', ['Datastore.Allocate']] },
      handler: (ctx) => storageRow(find(ctx), storageDigest(ctx)),
    }),
    op({
      method: 'PUT',
      path: '/storage/{storage}',
      name: 'update',
      description: 'Update storage configuration.',
      parameters: {
        storage: P.storage(),
        ...STORAGE_FIELDS,
        delete: opt(P.str('A list of settings you want to delete.', { format: 'pve-configid-list' })),
        digest: opt(
          P.str(
            'Prevent changes if current configuration file has a different digest. This can be used to prevent concurrent modifications.',
            { maxLength: 64 },
          ),
        ),
      },
      returns: { type: 'object', properties: { storage: P.storage(), type: P.str('') } },
      permissions: { check: ['perm', '/storage', ['Datastore.Allocate']] },
      protected: 1,
      handler: (ctx) => {
        const s = find(ctx);
        checkDigest(ctx, storageDigest(ctx));
        const content = checkContent(s.type, ctx.params.content);
        for (const k of list(ctx.params.delete)) {
          if (!(STORAGE_FIELDS as Props)[k]) throw paramError({ delete: `cannot delete '${k}'` });
          if (k === 'content') throw paramError({ delete: "unable to delete required option 'content'" });
          delete s.extra[k];
        }
        setFields(ctx, s);
        if (content) s.content = content;
        return { storage: s.storage, type: s.type };
      },
    }),
    op({
      method: 'DELETE',
      path: '/storage/{storage}',
      name: 'delete',
      description: 'Delete storage configuration.',
      parameters: { storage: P.storage() },
      returns: returns.null,
      permissions: { check: ['perm', '/storage', ['Datastore.Allocate']] },
      protected: 1,
      handler: (ctx) => {
        const state = ctx.sim.state;
        const s = find(ctx);
        const user = [...state.guests.values()].find((g) => Object.values(g.config).some((v) => String(v).startsWith(`${s.storage}:`)));
        if (user) throw new PveError(500, `storage '${s.storage}' is used by ${user.type === 'qemu' ? 'VM' : 'CT'} ${user.vmid}`);
        const job = [...state.collections.get('/cluster/backup')].find(([, j]) => j.storage === s.storage);
        if (job) throw new PveError(500, `storage '${s.storage}' is used by backup job '${job[0]}'`);
        state.storages.splice(state.storages.indexOf(s), 1);
        for (const p of state.pools.values()) p.storage = p.storage.filter((x) => x !== s.storage);
        return null;
      },
    }),
  ];
}

export function clusterMiscOperations(): Operation[] {
  const cpuModels = crudOperations({
    base: '/cluster/qemu/custom-cpu-models',
    key: 'cputype',
    keySchema: P.str('The custom model name.'),
    createKeySchema: P.str('Name of the custom model.', { format: 'pve-configid' }),
    fields: {
      'reported-model': P.enum('CPU model and vendor to report to the guest.', [
        '486',
        'athlon',
        'Broadwell',
        'Cascadelake-Server',
        'EPYC',
        'EPYC-Genoa',
        'EPYC-Milan',
        'EPYC-Rome',
        'Haswell',
        'host',
        'Icelake-Server',
        'IvyBridge',
        'kvm64',
        'max',
        'Nehalem',
        'qemu64',
        'SandyBridge',
        'SapphireRapids',
        'Skylake-Client',
        'Skylake-Server',
        'x86-64-v2',
        'x86-64-v2-AES',
        'x86-64-v3',
        'x86-64-v4',
      ]),
      flags: opt(
        P.str("List of additional CPU flags separated by ';'. Use '+FLAG' to enable, '-FLAG' to disable a flag.", {
          pattern: '(?:[+-][a-zA-Z0-9\\-_\\.]+;)*[+-][a-zA-Z0-9\\-_\\.]+',
        }),
      ),
      hidden: opt(P.bool('Do not identify as a KVM virtual machine.', { default: 0 })),
      'phys-bits': opt(
        P.str("The physical memory address bits that are reported to the guest OS. Should be smaller or equal to the host's.", {
          format: 'pve-phys-bits',
        }),
      ),
      level: opt(P.int('Level of the CPU model.', { minimum: 0 })),
    },
    deleteKeys: true,
    digest: true,
    noun: 'custom CPU model',
    names: { list: 'config', create: 'create', read: 'info', update: 'update', delete: 'delete' },
    perms: {
      list: {
        description:
          "Only returns entries where the current user has 'Mapping.Audit', 'Mapping.Use' or 'Mapping.Modify' on '/mapping/cpu/<cputype>'.",
        user: 'all',
      },
      create: { check: ['perm', '/mapping/cpu', ['Mapping.Modify']] },
      read: {
        check: [
          'or',
          ['perm', '/mapping/cpu/{cputype}', ['Mapping.Audit']],
          ['perm', '/mapping/cpu/{cputype}', ['Mapping.Use']],
          ['perm', '/mapping/cpu/{cputype}', ['Mapping.Modify']],
        ],
      },
      update: { check: ['perm', '/mapping/cpu/{cputype}', ['Mapping.Modify']] },
      delete: { check: ['perm', '/mapping/cpu/{cputype}', ['Mapping.Modify']] },
    },
    hooks: {
      visible: (ctx, _item, id) => hasAnyPriv(ctx.who, `/mapping/cpu/${id}`, ['Mapping.Audit', 'Mapping.Use', 'Mapping.Modify']),
      validate: (ctx, _item, before, id) => {
        if (!before && !/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(id)) throw paramError({ cputype: 'invalid custom model name' });
      },
      deleting: (ctx, _item, id) => {
        const user = [...ctx.sim.state.guests.values()].find((g) => String(g.config.cpu ?? '').startsWith(`custom-${id}`));
        if (user) throw new PveError(500, `custom CPU model '${id}' is used by VM ${user.vmid}`);
      },
    },
  });
  return [
    op({
      method: 'GET',
      path: '/cluster',
      name: 'index',
      description: 'Cluster index.',
      returns: returns.array({}, 'name'),
      permissions: { user: 'all' },
      handler: () =>
        index(
          [
            'log',
            'options',
            'resources',
            'replication',
            'tasks',
            'backup',
            'ha',
            'acme',
            'sdn',
            'status',
            'nextid',
            'firewall',
            'config',
            'metrics',
            'notifications',
            'backup-info',
            'mapping',
            'jobs',
            'qemu',
            'bulk-action',
          ],
          'name',
        ),
    }),
    op({
      method: 'GET',
      path: '/cluster/options',
      name: 'get_options',
      description: 'Get datacenter options.',
      returns: { type: 'object' },
      permissions: { ...AUDIT, user: 'all' },
      handler: (ctx) => ({ ...ctx.sim.state.datacenterOptions }),
    }),
    op({
      method: 'PUT',
      path: '/cluster/options',
      name: 'set_options',
      description: 'Set datacenter options.',
      parameters: { ...CLUSTER_OPTIONS, delete: opt(P.str('A list of settings you want to delete.', { format: 'pve-configid-list' })) },
      returns: returns.null,
      permissions: MODIFY,
      protected: 1,
      handler: (ctx) => {
        const o = ctx.sim.state.datacenterOptions;
        if (ctx.params.mac_prefix !== undefined && !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){0,2}$/.test(ctx.params.mac_prefix))
          throw paramError({ mac_prefix: 'invalid MAC prefix' });
        if (ctx.params['next-id'] !== undefined) {
          const r = parsePropertyString(ctx.params['next-id']);
          if (
            (r.lower && !/^\d+$/.test(r.lower)) ||
            (r.upper && !/^\d+$/.test(r.upper)) ||
            Number(r.lower ?? 100) >= Number(r.upper ?? 1e9)
          )
            throw paramError({ 'next-id': 'lower must be a number below upper' });
        }
        for (const k of list(ctx.params.delete)) {
          if (!(CLUSTER_OPTIONS as Props)[k]) throw paramError({ delete: `invalid format - '${k}' is not a datacenter option` });
          delete o[k];
        }
        Object.assign(o, scalarsOf(ctx.params, Object.keys(CLUSTER_OPTIONS)));
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/config',
      name: 'index',
      description: 'Directory index.',
      returns: returns.array({}, 'name'),
      permissions: AUDIT,
      handler: () => index(['apiversion', 'nodes', 'totem', 'join', 'qdevice'], 'name'),
    }),
    op({
      method: 'GET',
      path: '/cluster/config/apiversion',
      name: 'join_api_version',
      description: 'Return the version of the cluster join API available on this node.',
      returns: { type: 'integer' },
      permissions: AUDIT,
      handler: () => 2,
    }),
    op({
      method: 'GET',
      path: '/cluster/config/nodes',
      name: 'nodes',
      description: 'Corosync node list.',
      returns: returns.array({ node: P.str('') }, 'node'),
      permissions: AUDIT,
      handler: (ctx) =>
        ctx.sim.state.nodes.map((n) => ({ node: n.node, name: n.node, nodeid: String(n.id), quorum_votes: '1', ring0_addr: n.ip })),
    }),
    op({
      method: 'GET',
      path: '/cluster/config/totem',
      name: 'totem',
      description: 'Get corosync totem protocol settings.',
      returns: { type: 'object' },
      permissions: AUDIT,
      handler: (ctx) => ({
        cluster_name: ctx.sim.state.clusterName,
        config_version: '3',
        interface: { '0': { linknumber: '0' } },
        ip_version: 'ipv4-6',
        link_mode: 'passive',
        secauth: 'on',
        version: '2',
      }),
    }),
    op({
      method: 'GET',
      path: '/cluster/config/qdevice',
      name: 'status',
      description: 'Get QDevice status',
      returns: { type: 'object' },
      permissions: AUDIT,
      protected: 1,
      handler: () => ({}),
    }),
    op({
      method: 'GET',
      path: '/cluster/config/join',
      name: 'join_info',
      description: 'Get information needed to join this cluster over the connected node.',
      parameters: { node: opt(P.node('The node for which the joinee gets the nodeinfo. ')) },
      returns: {
        type: 'object',
        properties: {
          config_digest: P.str(''),
          nodelist: { type: 'array', items: { type: 'object' } },
          preferred_node: P.node(),
          totem: { type: 'object' },
        },
      },
      permissions: AUDIT,
      handler: (ctx) => {
        const state = ctx.sim.state;
        const preferred = ctx.params.node ?? 'pve1';
        if (!state.node(preferred)) throw new PveError(500, `no such node '${preferred}'`);
        const nodelist = state.nodes.map((n) => ({
          name: n.node,
          nodeid: String(n.id),
          pve_addr: n.ip,
          pve_fp: createHash('sha256').update(`simlab-${n.node}`).digest('hex').toUpperCase().match(/../g)!.join(':'),
          quorum_votes: '1',
          ring0_addr: n.ip,
        }));
        return {
          config_digest: createHash('sha1').update(JSON.stringify(nodelist)).digest('hex'),
          nodelist,
          preferred_node: preferred,
          totem: {
            cluster_name: state.clusterName,
            config_version: '3',
            ip_version: 'ipv4-6',
            link_mode: 'passive',
            secauth: 'on',
            version: '2',
          },
        };
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/qemu',
      name: 'index',
      description: 'Directory index.',
      returns: returns.array({}, 'subdir'),
      permissions: { user: 'all' },
      handler: () => index(['cpu-flags', 'custom-cpu-models']),
    }),
    op({
      method: 'GET',
      path: '/cluster/qemu/cpu-flags',
      name: 'index',
      description: 'List of available VM-specific CPU flags.',
      parameters: {
        accel: opt(P.enum('Virtualization type', ['kvm', 'tcg'], { default: 'kvm' })),
        arch: opt(P.enum('CPU architecture', ['x86_64', 'aarch64'], { default: 'x86_64' })),
      },
      returns: returns.array({ name: P.str('Name of the CPU flag.'), description: P.str('Description of the CPU flag.') }),
      permissions: {
        check: [
          'or',
          ['perm', '/nodes', ['Sys.Audit']],
          ['perm', '/mapping/cpu', ['Mapping.Audit', 'Mapping.Use', 'Mapping.Modify'], 'any', 1],
        ],
      },
      handler: (ctx) =>
        ctx.params.arch === 'aarch64'
          ? []
          : [
              ['md-clear', 'Required to let the guest OS know if MDS is mitigated correctly'],
              ['pcid', 'Meltdown fix cost reduction on Westmere, Sandy-, and IvyBridge Intel CPUs'],
              ['spec-ctrl', 'Allows improved Spectre mitigation with Intel CPUs'],
              ['ssbd', 'Protection for "Speculative Store Bypass" for Intel models'],
              ['ibpb', 'Allows improved Spectre mitigation with AMD CPUs'],
              ['virt-ssbd', 'Basis for "Speculative Store Bypass" protection for AMD models'],
              ['amd-ssbd', 'Improves Spectre mitigation performance with AMD CPUs, best used with "virt-ssbd"'],
              ['pdpe1gb', 'Allow guest OS to use 1GB size pages, if host HW supports it'],
              ['hv-tlbflush', 'Improve performance in overcommitted Windows guests. May lead to guest bluescreens on old CPUs.'],
              ['aes', 'Activate AES instruction set for HW acceleration.'],
            ].map(([name, description]) => ({ name, description })),
    }),
    ...cpuModels,
    ...storageOperations(),
  ];
}
