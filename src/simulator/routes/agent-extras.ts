import { PveError } from '../errors.js';
import { P } from '../params.js';
import { op, type Operation } from '../schema.js';
import { parsePropertyString, parseSize, type Guest } from '../state.js';
import { AGENT_BASE, AGENT_PATH, agentCommand, agentGuest, AUDIT, resultReturns } from './agent-shared.js';
import { guestSizes } from './common.js';

/** More of qemu-ga through the API: facts about the guest, filesystem freeze/trim, power, passwords. */

const FS = ['VM.GuestAgent.FileSystemMgmt', 'VM.GuestAgent.Unrestricted'];
const POWER = ['VM.PowerMgmt', 'VM.GuestAgent.Unrestricted'];

function fsinfo(g: Guest): unknown[] {
  const { maxdisk } = guestSizes(g);
  const used = Math.floor(maxdisk * (0.2 + (g.vmid % 40) / 100));
  if (g.os === 'windows') {
    return [
      {
        name: '\\\\?\\Volume{3b2e7c1a-0000-0000-0000-100000000000}\\',
        mountpoint: 'C:\\',
        type: 'NTFS',
        'total-bytes': maxdisk - 600 * 1024 ** 2,
        'used-bytes': used,
        disk: [
          {
            'bus-type': 'scsi',
            bus: 0,
            target: 0,
            unit: 0,
            serial: `drive-scsi0`,
            dev: '\\\\.\\PhysicalDrive0',
            'pci-controller': { domain: 0, bus: 9, slot: 1, function: 0 },
          },
        ],
      },
    ];
  }
  return [
    {
      name: 'sda1',
      mountpoint: '/',
      type: 'ext4',
      'total-bytes': maxdisk - 1024 ** 3,
      'used-bytes': used,
      disk: [
        {
          'bus-type': 'scsi',
          bus: 0,
          target: 0,
          unit: 0,
          serial: '0QEMU_QEMU_HARDDISK_drive-scsi0',
          dev: '/dev/sda1',
          'pci-controller': { domain: 0, bus: 9, slot: 1, function: 0 },
        },
      ],
    },
    {
      name: 'sda15',
      mountpoint: '/boot/efi',
      type: 'vfat',
      'total-bytes': 129718272,
      'used-bytes': 12221440,
      disk: [
        {
          'bus-type': 'scsi',
          bus: 0,
          target: 0,
          unit: 0,
          dev: '/dev/sda15',
          'pci-controller': { domain: 0, bus: 9, slot: 1, function: 0 },
        },
      ],
    },
  ];
}

function memoryBlocks(g: Guest): unknown[] {
  const mem = Number(parsePropertyString(String(g.config.memory ?? '2048'), 'current').current) * 1024 ** 2;
  const blocks = Math.max(1, Math.floor(mem / (128 * 1024 ** 2)));
  return Array.from({ length: Math.min(blocks, 64) }, (_, i) => ({ phys_index: i, online: true, 'can-offline': i > 0 }));
}

export function agentExtraOperations(): Operation[] {
  const gets: Array<[string, (g: Guest) => unknown]> = [
    ['get-fsinfo', fsinfo],
    [
      'get-users',
      (g) =>
        g.os === 'windows'
          ? [{ user: 'Administrator', domain: 'WIN11-DESK', 'login-time': g.startedAt + 120 }]
          : [{ user: 'root', 'login-time': g.startedAt + 300.5 }],
    ],
    ['get-timezone', (g) => (g.os === 'windows' ? { zone: 'W. Europe Standard Time', offset: 3600 } : { zone: 'CET', offset: 3600 })],
    [
      'get-vcpus',
      (g) =>
        Array.from({ length: Number(g.config.cores ?? 1) * Number(g.config.sockets ?? 1) }, (_, i) => ({
          'logical-id': i,
          online: true,
          'can-offline': i > 0,
        })),
    ],
    ['get-memory-blocks', memoryBlocks],
    ['get-memory-block-info', () => ({ size: 134217728 })],
  ];
  const ops: Operation[] = gets.map(([name, fn]) => agentCommand('GET', name, AUDIT, fn));
  const posts: Array<[string, string[], (g: Guest) => unknown]> = [
    [
      'fsfreeze-freeze',
      FS,
      (g) => {
        if (g.fsFrozen) throw new PveError(500, 'Agent error: The command guest-fsfreeze-freeze has been disabled for this instance');
        g.fsFrozen = true;
        return fsinfo(g).length;
      },
    ],
    [
      'fsfreeze-status',
      ['VM.GuestAgent.Audit', 'VM.GuestAgent.FileSystemMgmt', 'VM.GuestAgent.Unrestricted'],
      (g) => (g.fsFrozen ? 'frozen' : 'thawed'),
    ],
    [
      'fsfreeze-thaw',
      FS,
      (g) => {
        const was = g.fsFrozen ? fsinfo(g).length : 0;
        g.fsFrozen = false;
        return was;
      },
    ],
    [
      'fstrim',
      FS,
      (g) => ({
        paths: fsinfo(g).map((f) => ({
          path: (f as { mountpoint: string }).mountpoint,
          trimmed: Math.floor(parseSize(String(g.config.memory ?? '1'), 'M') / 3),
          minimum: 0,
        })),
      }),
    ],
    [
      'shutdown',
      POWER,
      (g) => {
        g.power = 'stopped';
        g.agentShutdownAt = Date.now();
        return {};
      },
    ],
    ...(['suspend-disk', 'suspend-ram', 'suspend-hybrid'] as const).map((name): [string, string[], (g: Guest) => unknown] => [
      name,
      POWER,
      (g) => {
        g.power = name === 'suspend-disk' ? 'stopped' : 'paused';
        return {};
      },
    ]),
  ];
  for (const [name, privs, fn] of posts) ops.push(agentCommand('POST', name, privs, fn));
  ops.push(
    op({
      method: 'POST',
      path: `${AGENT_BASE}/set-user-password`,
      name: 'set-user-password',
      description: 'Sets the password for the given user to the given password',
      parameters: {
        ...AGENT_PATH,
        username: P.str('The user to set the password for.'),
        password: P.str('The new password.', { minLength: 5, maxLength: 1024 }),
        crypted: { ...P.bool('set to 1 if the password has already been passed through crypt()', { default: 0 }), optional: 1 },
      },
      returns: resultReturns,
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.GuestAgent.Unrestricted']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const g = agentGuest(ctx);
        const known = g.os === 'windows' ? ['Administrator'] : ['root', 'debian', 'ubuntu'];
        if (!known.includes(ctx.params.username))
          throw new PveError(500, `Agent error: failed to set password: chpasswd: user '${ctx.params.username}' does not exist`);
        return { result: {} };
      },
    }),
    op({
      method: 'POST',
      path: AGENT_BASE,
      name: 'agent',
      description: 'Execute QEMU Guest Agent commands.',
      parameters: {
        ...AGENT_PATH,
        command: P.enum('The QGA command.', [
          'fsfreeze-freeze',
          'fsfreeze-status',
          'fsfreeze-thaw',
          'fstrim',
          'get-fsinfo',
          'get-host-name',
          'get-memory-block-info',
          'get-memory-blocks',
          'get-osinfo',
          'get-time',
          'get-timezone',
          'get-users',
          'get-vcpus',
          'info',
          'network-get-interfaces',
          'ping',
          'shutdown',
          'suspend-disk',
          'suspend-hybrid',
          'suspend-ram',
        ]),
      },
      returns: resultReturns,
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.GuestAgent.Unrestricted', 'VM.GuestAgent.Unrestricted'], 'any', 1] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const g = agentGuest(ctx);
        const cmd: string = ctx.params.command;
        const get = gets.find(([n]) => n === cmd);
        if (get) return { result: get[1](g) };
        const post = posts.find(([n]) => n === cmd);
        if (post) return { result: post[2](g) };
        if (cmd === 'ping') return { result: {} };
        if (cmd === 'get-host-name') return { result: { 'host-name': String(g.config.name ?? `vm${g.vmid}`) } };
        if (cmd === 'get-time') return { result: Date.now() * 1_000_000 };
        throw new PveError(500, `Agent error: command '${cmd}' is not handled here; use GET ${AGENT_BASE}/${cmd}`);
      },
    }),
  );
  return ops;
}
