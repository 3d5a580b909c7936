import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Runtime } from '../../src/cluster.js';
import { configFromEnv } from '../../src/config/env.js';
import type { SimulatorHandle } from '../../src/simulator/index.js';

/** A runtime on the simulated cluster as its admin, with its own schema cache and no confirmation asked. */
export function simRuntime(sim: SimulatorHandle, extra: Record<string, string> = {}): Runtime {
  return new Runtime(
    configFromEnv({
      PROXMOX_URL: sim.url,
      PROXMOX_API_TOKEN: sim.tokens.admin,
      PROXMOX_FINGERPRINT: sim.fingerprint,
      PROXMOX_CACHE_DIR: mkdtempSync(path.join(tmpdir(), 'pmcp-cache-')),
      PROXMOX_CONFIRM: 'off',
      ...extra,
    }),
  );
}
