import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import selfsigned from 'selfsigned';
import { pbsOperations } from './api.js';
import { PbsApiServer } from './server.js';
import { PbsState } from './state.js';
import { PbsTaskManager } from './tasks.js';

export { pbsOperations } from './api.js';
export { PbsState } from './state.js';

export interface PbsSimulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** How long tasks run; default 400 ms. */
  taskDurationMs?: number;
}

export interface PbsSimulatorHandle {
  url: string;
  port: number;
  fingerprint: string;
  /** `root@pam!mcp:<uuid>` (admin) and `auditor@pbs!ro:<uuid>` (audit only), in PBS's colon form. */
  tokens: { admin: string; readonly: string };
  login: { username: string; password: string };
  state: PbsState;
  tasks: PbsTaskManager;
  close(): Promise<void>;
}

/** A simulated Proxmox Backup Server 4.2 on real HTTPS: its datastores, jobs and tasks, PBS's wire format. */
export async function startPbsSimulator(opts: PbsSimulatorOptions = {}): Promise<PbsSimulatorHandle> {
  const host = opts.host ?? '127.0.0.1';
  const cert = await selfsigned.generate([{ name: 'commonName', value: 'pbs1.simlab.local' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 2, value: 'pbs1' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  const state = new PbsState();
  const tasks = new PbsTaskManager(state.hostname, opts.taskDurationMs ?? 400);
  const api = new PbsApiServer(state, tasks, pbsOperations());
  const server = https.createServer({ key: cert.private, cert: cert.cert, keepAliveTimeout: 5000 }, api.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const token = (id: string) => `${id}:${api.tokenSecrets.get(id)}`;
  return {
    url: `https://${urlHost}:${port}`,
    port,
    fingerprint: new X509Certificate(cert.cert).fingerprint256.toUpperCase(),
    tokens: { admin: token('root@pam!mcp'), readonly: token('auditor@pbs!ro') },
    login: { username: 'root@pam', password: api.passwords.get('root@pam')! },
    state,
    tasks,
    close: () =>
      new Promise<void>((resolve) => {
        tasks.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
