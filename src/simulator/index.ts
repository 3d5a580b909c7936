import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import selfsigned from 'selfsigned';
import { AuthService } from './auth.js';
import type { SimCore } from './context.js';
import { FaultState, type Faults } from './faults.js';
import { seedHistory } from './history.js';
import { allOperations, seedFamilies } from './routes/index.js';
import { ApiServer } from './server.js';
import { SEEDED_CERT, seededSecrets } from './seeded.js';
import { SimState } from './state.js';
import { TaskManager } from './tasks.js';

export type { Faults, ErrorRule } from './faults.js';
export type { Guest, GuestType, SimState as SimulatorState } from './state.js';

export interface SimulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** How long tasks run before they end; default 400 ms. */
  taskDurationMs?: number;
  /** Add N generated VMs/CTs spread over the nodes. */
  extraGuests?: number;
  /** Guest-agent captured-output cap in bytes; default 16 MiB like qemu-ga. */
  agentOutputLimit?: number;
  quiet?: boolean;
  /**
   * Start with HA in use (three HA-managed guests, a rule, the CRM running); default true. With false
   * the cluster has never used HA, like a fresh one: the CRM is idle until the first resource or arm-ha.
   */
  seedHa?: boolean;
  /** How long a step of the HA manager (electing a master, starting or moving a service) takes; default 2 x taskDurationMs. */
  haDelayMs?: number;
  /** Same tokens, password and certificate (fingerprint) on every start with the same seed: for scripts. */
  seed?: string;
}

/** What tests may inspect or drive directly: the cluster data and the task list. */
export interface SimulatorInternals {
  cluster: SimState;
  tasks: TaskManager;
}

export interface SimulatorHandle {
  /** `https://127.0.0.1:PORT`, without `/api2/json`. */
  url: string;
  port: number;
  /** SHA-256 of the certificate, `AB:CD:...` upper-case, as the PVE GUI shows it. */
  fingerprint: string;
  certPem: string;
  /** Full token strings: `root@pam!mcp=<uuid>` and `auditor@pve!ro=<uuid>`. */
  tokens: { admin: string; readonly: string };
  login: { username: string; password: string };
  faults: Faults;
  state: SimulatorInternals;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const host = opts.host ?? '127.0.0.1';
  const cert = opts.seed
    ? { private: SEEDED_CERT.key, cert: SEEDED_CERT.cert }
    : await selfsigned.generate(
        [
          { name: 'commonName', value: 'pve1.simlab.local' },
          { name: 'organizationName', value: 'PVE Cluster Node' },
        ],
        {
          keyType: 'ec',
          curve: 'P-256',
          algorithm: 'sha256',
          extensions: [
            { name: 'basicConstraints', cA: false },
            { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
            { name: 'extKeyUsage', serverAuth: true },
            {
              name: 'subjectAltName',
              altNames: [
                { type: 2, value: 'localhost' },
                { type: 2, value: 'pve1' },
                { type: 7, ip: '127.0.0.1' },
                { type: 7, ip: '::1' },
                ...(host !== '127.0.0.1' && host !== '::1' && /^[\d.:]+$/.test(host) ? [{ type: 7 as const, ip: host }] : []),
              ],
            },
          ],
        },
      );
  const taskDurationMs = opts.taskDurationMs ?? 400;
  const state = new SimState(opts.extraGuests ?? 0, { seedHa: opts.seedHa, haDelayMs: opts.haDelayMs ?? taskDurationMs * 2 });
  seedFamilies(state);
  const faults = new FaultState();
  state.ha.offline = faults.offlineNodes;
  const tasks = new TaskManager(taskDurationMs, faults.failTasks);
  seedHistory(state, tasks);
  const auth = new AuthService(state, opts.seed ? seededSecrets(opts.seed) : undefined);
  const core: SimCore = {
    state,
    auth,
    tasks,
    faults,
    collections: state.collections,
    agentOutputLimit: opts.agentOutputLimit ?? 16 * 1024 * 1024,
    taskDurationMs,
    certPem: cert.cert,
  };
  const api = new ApiServer(core, auth, allOperations());
  const server = https.createServer({ key: cert.private, cert: cert.cert, keepAliveTimeout: 5000 }, api.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const secret = (id: string) => `${id}=${auth.tokenSecrets.get(id)}`;
  return {
    url: `https://${urlHost}:${port}`,
    port,
    fingerprint: new X509Certificate(cert.cert).fingerprint256.toUpperCase(),
    certPem: cert.cert,
    tokens: { admin: secret('root@pam!mcp'), readonly: secret('auditor@pve!ro') },
    login: { username: 'root@pam', password: auth.passwords.get('root@pam')! },
    faults,
    state: { cluster: state, tasks },
    close: () =>
      new Promise<void>((resolve) => {
        tasks.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
