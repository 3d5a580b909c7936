import { parseArgs } from 'node:util';

/**
 * `proxmox-mcp simulator [--port N] [--host H] [--seed S]`: runs the simulated cluster until SIGINT/SIGTERM.
 * With --seed, tokens, password and certificate fingerprint are the same on every start (for scripts).
 */
export async function runSimulatorCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8006' },
      host: { type: 'string', default: '127.0.0.1' },
      'task-duration': { type: 'string' },
      'extra-guests': { type: 'string' },
      seed: { type: 'string' },
    },
    allowPositionals: false,
  });
  if (values.seed !== undefined && !values.seed.trim()) throw new Error('--seed needs a value, e.g. --seed demo');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got '${values.port}'`);
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
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void sim.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
