import type { Product } from '../proxmox/products.js';
import { ENV_CLUSTER, envDocument, envNameOf, type Env, type EnvSetting } from './env.js';
import type { ConfigSource } from './source.js';

/** One simulator the demo started. */
export interface DemoTarget {
  name: string;
  product: Product;
  url: string;
  token: string;
  fingerprint: string;
}

const DEMO_FIELDS = ['product', 'url', 'token', 'fingerprint'] as const;

/**
 * The demo's targets, with everything else from the environment as usual (PROXMOX_READONLY, PROXMOX_CONFIRM,
 * the SSH settings...): address, credentials and certificate are the simulators', and a cache folder of
 * the demo's own unless PROXMOX_CACHE_DIR names one.
 */
export function demoSource(env: Env, targets: readonly DemoTarget[], cacheDir?: string): ConfigSource {
  const read = new Set<EnvSetting>();
  const document = envDocument({ ...env, PROXMOX_USERNAME: undefined, PROXMOX_PASSWORD: undefined }, read);
  const common = (document.clusters as Record<string, Record<string, unknown>>)[ENV_CLUSTER];
  document.clusters = Object.fromEntries(
    targets.map((t) => {
      const cluster: Record<string, unknown> = { ...common, product: t.product, url: t.url, token: t.token, fingerprint: t.fingerprint };
      // PROXMOX_SCHEMA_FILE names a PVE schema; the other products serve their own.
      if (t.product !== 'pve') delete cluster.schemaFile;
      return [t.name, cluster];
    }),
  );
  if (cacheDir && !env.PROXMOX_CACHE_DIR?.trim()) document.cacheDir = cacheDir;
  return {
    document,
    problems: [],
    name(path) {
      const field = path[0] === 'clusters' ? path[2] : undefined;
      if (typeof field === 'string' && (DEMO_FIELDS as readonly string[]).includes(field))
        return { label: `the demo's ${String(path[1])} ${field}` };
      return envNameOf(path, read) ?? { label: path.map(String).join('.') };
    },
  };
}
