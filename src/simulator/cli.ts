import { parseArgs } from 'node:util';

/**
 * `proxmox-mcp simulator [--product pve|pbs] [--port N] [--host H] [--seed S]`: runs the simulated cluster (or,
 * with --product pbs, the simulated Backup Server) until SIGINT/SIGTERM. With --seed, tokens, password and
 * certificate fingerprint are the same on every start (for scripts).
 */
export async function runSimulatorCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      product: { type: 'string', default: 'pve' },
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'task-duration': { type: 'string' },
      'extra-guests': { type: 'string' },
      seed: { type: 'string' },
    },
    allowPositionals: false,
  });
  if (values.product !== 'pve' && values.product !== 'pbs')
    throw new Error(`--product must be pve or pbs, got '${values.product}' (PDM has no simulator)`);
  if (values.seed !== undefined && !values.seed.trim()) throw new Error('--seed needs a value, e.g. --seed demo');
  const port = Number(values.port ?? (values.product === 'pbs' ? 8007 : 8006));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got '${values.port}'`);
  if (values.product === 'pbs') return runPbs(values.host, port, values['task-duration'] ? Number(values['task-duration']) : undefined);
  const { startSimulator } = await import('./index.js');
  const sim = await startSimulator({
    host: values.host,
    port,
    taskDurationMs: values['task-duration'] ? Number(values['task-duration']) : undefined,
    extraGuests: values['extra-guests'] ? Number(values['extra-guests']) : undefined,
    seed: values.seed,
  });
  const lines = [
    `Simulated Proxmox VE 9.2 cluster 'simlab' (pve1, pve2, pve3) listening on ${sim.url}`,
    `  PROXMOX_URL=${sim.url}`,
    `  PROXMOX_FINGERPRINT=${sim.fingerprint}`,
    `  admin token:     ${sim.tokens.admin}`,
    `  read-only token: ${sim.tokens.readonly}`,
    `  login:           ${sim.login.username} / ${sim.login.password}`,
    'Press Ctrl+C to stop.',
  ];
  process.stderr.write(lines.join('\n') + '\n');
  await untilSignal(() => sim.close());
}

async function runPbs(host: string, port: number, taskDurationMs: number | undefined): Promise<void> {
  const { startPbsSimulator } = await import('./pbs/index.js');
  const sim = await startPbsSimulator({ host, port, taskDurationMs });
  const lines = [
    `Simulated Proxmox Backup Server 4.2 'pbs1' (datastores store1, offsite) listening on ${sim.url}`,
    `  PROXMOX_PRODUCT=pbs`,
    `  PROXMOX_URL=${sim.url}`,
    `  PROXMOX_FINGERPRINT=${sim.fingerprint}`,
    `  admin token:     ${sim.tokens.admin}`,
    `  audit token:     ${sim.tokens.readonly}`,
    `  login:           ${sim.login.username} / ${sim.login.password}`,
    'Press Ctrl+C to stop.',
  ];
  process.stderr.write(lines.join('\n') + '\n');
  await untilSignal(() => sim.close());
}

function untilSignal(close: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
