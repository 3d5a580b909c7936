import { PveError } from '../errors.js';
import { AgentExecError, execInGuest, osInfo } from '../guest.js';
import { P, opt } from '../params.js';
import { op, type Operation } from '../schema.js';
import type { Guest } from '../state.js';
import { agentExtraOperations } from './agent-extras.js';
import { AGENT_BASE, AGENT_PATH, agentCommand, agentGuest, AUDIT } from './agent-shared.js';

function interfaces(g: Guest): unknown[] {
  const nets = Object.keys(g.config)
    .filter((k) => /^net\d+$/.test(k))
    .sort();
  const rows: unknown[] = [
    {
      name: g.os === 'windows' ? 'Loopback Pseudo-Interface 1' : 'lo',
      'hardware-address': '00:00:00:00:00:00',
      'ip-addresses': [
        { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
        { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
      ],
      statistics: {
        'rx-bytes': 4096,
        'rx-dropped': 0,
        'rx-errs': 0,
        'rx-packets': 48,
        'tx-bytes': 4096,
        'tx-dropped': 0,
        'tx-errs': 0,
        'tx-packets': 48,
      },
    },
  ];
  nets.forEach((key, i) => {
    const mac = /([0-9A-F]{2}(:[0-9A-F]{2}){5})/i.exec(String(g.config[key]))?.[1]?.toLowerCase() ?? 'bc:24:11:00:00:00';
    rows.push({
      name: g.os === 'windows' ? `Ethernet${i ? ` ${i + 1}` : ''}` : `ens${18 + i}`,
      'hardware-address': mac,
      'ip-addresses': [
        { 'ip-address': `10.10.${i}.${g.vmid % 250}`, 'ip-address-type': 'ipv4', prefix: 24 },
        {
          'ip-address': `fe80::be24:11ff:fe${mac.slice(9, 11)}:${mac.slice(12, 14)}${mac.slice(15, 17)}`,
          'ip-address-type': 'ipv6',
          prefix: 64,
        },
      ],
      statistics: {
        'rx-bytes': 123456789,
        'rx-dropped': 0,
        'rx-errs': 0,
        'rx-packets': 98765,
        'tx-bytes': 23456789,
        'tx-dropped': 0,
        'tx-errs': 0,
        'tx-packets': 54321,
      },
    });
  });
  return rows;
}

const simpleGets: Array<[string, (g: Guest) => unknown]> = [
  ['get-osinfo', (g) => osInfo(g)],
  ['network-get-interfaces', interfaces],
  ['get-host-name', (g) => ({ 'host-name': String(g.config.name ?? `vm${g.vmid}`) })],
  ['get-time', () => Date.now() * 1_000_000],
  [
    'info',
    () => ({
      version: '9.2.0',
      supported_commands: [
        'guest-exec',
        'guest-exec-status',
        'guest-file-open',
        'guest-file-read',
        'guest-file-write',
        'guest-ping',
        'guest-get-osinfo',
        'guest-network-get-interfaces',
      ].map((name) => ({ name, enabled: true, 'success-response': true })),
    }),
  ],
];

export function agentOperations(): Operation[] {
  const ops: Operation[] = [];
  ops.push(
    op({
      method: 'GET',
      path: AGENT_BASE,
      name: 'index',
      description: 'QEMU Guest Agent command index.',
      parameters: AGENT_PATH,
      returns: {
        type: 'array',
        description: 'Returns the list of QEMU Guest Agent commands',
        items: { type: 'object', properties: {} },
        links: [{ rel: 'child', href: '{name}' }],
      },
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: () =>
        ['exec', 'exec-status', 'file-read', 'file-write', 'ping', ...simpleGets.map(([n]) => n)].sort().map((name) => ({ name })),
    }),
  );
  ops.push(agentCommand('POST', 'ping', AUDIT, () => ({})));
  for (const [name, fn] of simpleGets) ops.push(agentCommand('GET', name, AUDIT, fn));
  ops.push(
    op({
      method: 'POST',
      path: `${AGENT_BASE}/exec`,
      name: 'exec',
      description: 'Executes the given command in the vm via the guest-agent and returns an object with the pid.',
      parameters: {
        ...AGENT_PATH,
        command: P.arr('The command as a list of program + arguments.', 'A single part of the program + arguments.'),
        'input-data': opt(P.str("Data to pass as 'input-data' to the guest. Usually treated as STDIN to 'command'.", { maxLength: 65536 })),
      },
      returns: {
        type: 'object',
        properties: { pid: { type: 'integer', description: 'The PID of the process started by the guest-agent.' } },
      },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.GuestAgent.Unrestricted']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const g = agentGuest(ctx);
        const argv = [...ctx.params.command];
        if (!argv.length || !argv[0])
          throw new PveError(
            500,
            "Agent error: Guest agent command failed, error was 'Invalid parameter type for 'path', expected: string'",
          );
        let outcome;
        try {
          outcome = execInGuest(g, argv, ctx.params['input-data'] ?? '', ctx.sim.agentOutputLimit);
        } catch (e) {
          if (e instanceof AgentExecError) throw new PveError(500, `Agent error: ${e.message}`);
          throw e;
        }
        const pid = g.nextPid++;
        g.procs.set(pid, {
          pid,
          endsAt: Date.now() + outcome.durationMs,
          exitcode: outcome.exitcode,
          stdout: outcome.stdout,
          stderr: outcome.stderr,
          outTruncated: outcome.outTruncated,
          errTruncated: outcome.errTruncated,
        });
        return { pid };
      },
    }),
  );
  ops.push(
    op({
      method: 'GET',
      path: `${AGENT_BASE}/exec-status`,
      name: 'exec-status',
      description: 'Gets the status of the given pid started by the guest-agent',
      parameters: { ...AGENT_PATH, pid: P.int('The PID to query') },
      returns: {
        type: 'object',
        properties: {
          exited: { type: 'boolean', description: 'Tells if the given command has exited yet.' },
          exitcode: { type: 'integer', optional: 1, description: 'process exit code if it was normally terminated.' },
          'out-data': { type: 'string', optional: 1, description: 'stdout of the process' },
          'err-data': { type: 'string', optional: 1, description: 'stderr of the process' },
        },
      },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.GuestAgent.Unrestricted']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const g = agentGuest(ctx);
        const proc = g.procs.get(ctx.params.pid);
        if (!proc) throw new PveError(500, "Agent error: Invalid parameter 'pid'");
        if (Date.now() < proc.endsAt) return { exited: 0 };
        // qemu-ga forgets a process once its end has been reported.
        g.procs.delete(proc.pid);
        const out: Record<string, unknown> = { exited: 1, exitcode: proc.exitcode };
        if (proc.stdout) out['out-data'] = proc.stdout;
        if (proc.stderr) out['err-data'] = proc.stderr;
        if (proc.outTruncated) out['out-truncated'] = 1;
        if (proc.errTruncated) out['err-truncated'] = 1;
        if (proc.signal !== undefined) out.signal = proc.signal;
        return out;
      },
    }),
  );
  ops.push(
    op({
      method: 'GET',
      path: `${AGENT_BASE}/file-read`,
      name: 'file-read',
      description: 'Reads the given file via guest agent. Is limited to 16777216 bytes.',
      parameters: {
        ...AGENT_PATH,
        file: P.str('The path to the file'),
        count: opt(P.int('Number of bytes to read.', { minimum: 1, maximum: 16777216, default: 16777216 })),
        offset: opt(P.int('Offset to start reading from.', { minimum: 0, default: 0 })),
        decode: opt(
          P.bool('Decode the content from base64. If set to 0, the content is returned as base64 encoded string.', { default: 1 }),
        ),
      },
      returns: {
        type: 'object',
        description: 'Returns an object with a `content` property.',
        properties: { content: { type: 'string', description: 'The content of the file, maximum 16777216' } },
      },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.GuestAgent.FileRead', 'VM.GuestAgent.Unrestricted'], 'any', 1] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const g = agentGuest(ctx);
        const file: string = ctx.params.file;
        const content = g.files.get(file);
        if (content === undefined)
          throw new PveError(500, `Agent error: failed to open file '${file}' (mode: 'r'): No such file or directory`);
        const bytes = Buffer.from(content, 'utf8');
        const offset: number = ctx.params.offset ?? 0;
        const count: number = ctx.params.count ?? 16777216;
        const slice = bytes.subarray(offset, offset + count);
        const out: Record<string, unknown> = { content: ctx.params.decode === 0 ? slice.toString('base64') : slice.toString('utf8') };
        if (offset + count < bytes.length) out.truncated = 1;
        return out;
      },
    }),
  );
  ops.push(
    op({
      method: 'POST',
      path: `${AGENT_BASE}/file-write`,
      name: 'file-write',
      description: 'Writes the given file via guest agent.',
      parameters: {
        ...AGENT_PATH,
        file: P.str('The path to the file.'),
        content: P.str('The content to write into the file.', { maxLength: 61440 }),
        encode: opt(
          P.bool(
            'If set, the content will be encoded as base64 (required by QEMU).Otherwise the content needs to be encoded beforehand - defaults to true.',
            { default: 1 },
          ),
        ),
      },
      returns: { type: 'null' },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.GuestAgent.FileWrite', 'VM.GuestAgent.Unrestricted'], 'any', 1] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const g = agentGuest(ctx);
        const raw: string = ctx.params.content;
        let text = raw;
        if (ctx.params.encode === 0) {
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw))
            throw new PveError(500, "Agent error: Guest agent command failed, error was 'Invalid parameter 'buf-b64''");
          text = Buffer.from(raw, 'base64').toString('utf8');
        }
        g.files.set(ctx.params.file, text);
        return null;
      },
    }),
  );
  ops.push(...agentExtraOperations());
  return ops;
}
