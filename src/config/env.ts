import { ConfigError } from './error.js';
import type { ConfigSource, FieldPath, SettingName } from './source.js';
import { setAt } from './source.js';
import { validate } from './validate.js';
import type { AppConfig, ClusterConfig } from './schema.js';

export type Env = Record<string, string | undefined>;

// The environment variables and the fields of the document they set. A variable sets one field of the
// single cluster (`clusters.default`) or a global one; its parser turns the text into the value the
// file would hold, and leaves text it cannot read as it is, for the schema to refuse with its message.

type Parser = (raw: string) => unknown;

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

const parsers = {
  text: (raw) => raw.trim() || undefined,
  /** Kept as given, spaces and all: only an empty value means unset. */
  secret: (raw) => (raw.trim() ? raw : undefined),
  path: (raw) => raw.trim() || undefined,
  boolean: (raw) => {
    const v = raw.trim().toLowerCase();
    return TRUE.has(v) ? true : FALSE.has(v) ? false : raw;
  },
  /** Ports, counts and durations in milliseconds. */
  integer: (raw) => {
    const v = raw.trim();
    return v === '' ? undefined : /^\d{1,15}$/.test(v) ? Number(v) : v;
  },
  /** `67108864`, `64MiB`: the schema reads the units. */
  size: (raw) => raw.trim() || undefined,
  /** `a, b`: one item per comma. */
  list: (raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  /** `pve1=10.0.0.11,pve2=10.0.0.12`; own keys only, so `__proto__=x` is a node name the schema refuses. */
  hostMap: (raw) => {
    const parts = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (parts.some((p) => !p.includes('='))) return raw;
    return Object.fromEntries(parts.map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()]));
  },
  xdgCache: (raw) => (raw ? `${raw}/proxmox-mcp` : undefined),
} satisfies Record<string, Parser>;

export interface EnvSetting {
  name: string;
  /** The field of one cluster, or of the whole configuration. */
  scope: 'cluster' | 'global';
  field: readonly string[];
  parse: keyof typeof parsers;
  /** How the variable's text is written, when that differs from the file's form. */
  expects?: string;
  missing?: string;
  /** Never read from a config file: secrets of the whole server, and the ssh-agent of this process. */
  envOnly?: true;
  /** Where `--help` lists it, and what it says beside the name. */
  group: 'cluster' | 'safety' | 'ssh';
  hint?: string;
}

const RULES = 'must be comma-separated rules like "DELETE /nodes/*/qemu/*" or "* /access/**"';

export const ENV_SETTINGS: readonly EnvSetting[] = [
  { name: 'PROXMOX_PRODUCT', scope: 'cluster', field: ['product'], parse: 'text', group: 'cluster', hint: 'pve, pbs or pdm' },
  {
    name: 'PROXMOX_URL',
    scope: 'cluster',
    field: ['url'],
    parse: 'text',
    missing: 'is not set: give the address of a Proxmox node, e.g. https://pve.example.com:8006 (or run with --demo)',
    group: 'cluster',
  },
  { name: 'PROXMOX_API_TOKEN', scope: 'cluster', field: ['token'], parse: 'secret', group: 'cluster', hint: 'user@realm!tokenid=secret' },
  { name: 'PROXMOX_USERNAME', scope: 'cluster', field: ['username'], parse: 'text', group: 'cluster', hint: 'instead of a token' },
  { name: 'PROXMOX_PASSWORD', scope: 'cluster', field: ['password'], parse: 'secret', group: 'cluster' },
  { name: 'PROXMOX_FINGERPRINT', scope: 'cluster', field: ['fingerprint'], parse: 'text', group: 'cluster' },
  { name: 'PROXMOX_CA_FILE', scope: 'cluster', field: ['caFile'], parse: 'path', group: 'cluster' },
  { name: 'PROXMOX_INSECURE', scope: 'cluster', field: ['insecure'], parse: 'boolean', group: 'cluster' },
  { name: 'PROXMOX_TIMEOUT', scope: 'cluster', field: ['timeout'], parse: 'integer', group: 'cluster' },
  { name: 'PROXMOX_MAX_RESPONSE_BYTES', scope: 'cluster', field: ['maxResponseBytes'], parse: 'size', group: 'cluster' },
  { name: 'PROXMOX_SCHEMA_FILE', scope: 'cluster', field: ['schemaFile'], parse: 'path', group: 'cluster' },
  { name: 'PROXMOX_CACHE_DIR', scope: 'global', field: ['cacheDir'], parse: 'path', group: 'cluster' },
  // Below PROXMOX_CACHE_DIR: the first variable set wins.
  { name: 'XDG_CACHE_HOME', scope: 'global', field: ['cacheDir'], parse: 'xdgCache', envOnly: true, group: 'cluster' },
  { name: 'PROXMOX_READONLY', scope: 'cluster', field: ['readonly'], parse: 'boolean', group: 'safety' },
  { name: 'PROXMOX_ALLOW', scope: 'cluster', field: ['allow'], parse: 'list', expects: RULES, group: 'safety' },
  { name: 'PROXMOX_DENY', scope: 'cluster', field: ['deny'], parse: 'list', expects: RULES, group: 'safety' },
  { name: 'PROXMOX_CONFIRM', scope: 'global', field: ['confirm'], parse: 'text', group: 'safety' },
  { name: 'PROXMOX_CONFIRM_KEY', scope: 'global', field: ['confirmKey'], parse: 'secret', envOnly: true, group: 'safety' },
  { name: 'PROXMOX_AUDIT_LOG', scope: 'global', field: ['auditLog'], parse: 'path', group: 'safety' },
  { name: 'PROXMOX_AUDIT_KEY', scope: 'global', field: ['auditKey'], parse: 'secret', envOnly: true, group: 'safety' },
  { name: 'PROXMOX_MAX_OUTPUT', scope: 'global', field: ['maxOutput'], parse: 'integer', group: 'safety' },
  { name: 'PROXMOX_SSH_KEY_PATH', scope: 'cluster', field: ['ssh', 'keyPath'], parse: 'path', group: 'ssh' },
  { name: 'PROXMOX_SSH_KEY_PASSPHRASE', scope: 'cluster', field: ['ssh', 'keyPassphrase'], parse: 'secret', group: 'ssh' },
  { name: 'SSH_AUTH_SOCK', scope: 'cluster', field: ['ssh', 'agentSocket'], parse: 'secret', envOnly: true, group: 'ssh' },
  { name: 'PROXMOX_SSH_USER', scope: 'cluster', field: ['ssh', 'user'], parse: 'text', group: 'ssh' },
  { name: 'PROXMOX_SSH_PORT', scope: 'cluster', field: ['ssh', 'port'], parse: 'integer', group: 'ssh' },
  {
    name: 'PROXMOX_SSH_HOSTS',
    scope: 'cluster',
    field: ['ssh', 'hosts'],
    parse: 'hostMap',
    expects: 'must be a list like pve1=10.0.0.11,pve2=10.0.0.12',
    group: 'ssh',
  },
  { name: 'PROXMOX_SSH_KNOWN_HOSTS', scope: 'cluster', field: ['ssh', 'knownHosts'], parse: 'path', group: 'ssh' },
  { name: 'PROXMOX_SSH_HOST_FINGERPRINT', scope: 'cluster', field: ['ssh', 'hostFingerprint'], parse: 'text', group: 'ssh' },
  { name: 'PROXMOX_SSH_SUDO', scope: 'cluster', field: ['ssh', 'sudo'], parse: 'boolean', group: 'ssh' },
  { name: 'PROXMOX_SSH_CONNECT_TIMEOUT', scope: 'cluster', field: ['ssh', 'connectTimeout'], parse: 'integer', group: 'ssh' },
];

/** The name of the one cluster the environment describes. */
export const ENV_CLUSTER = 'default';

/** `['clusters', 'default', 'ssh', 'port']` for a cluster setting, `['confirm']` for a global one. */
export const fieldOf = (s: EnvSetting, cluster = ENV_CLUSTER): string[] =>
  s.scope === 'cluster' ? ['clusters', cluster, ...s.field] : [...s.field];

const startsWith = (path: FieldPath, prefix: readonly PropertyKey[]) =>
  prefix.length <= path.length && prefix.every((p, i) => path[i] === p);

/** The variable behind `path` of a document with the given clusters: the one that set it, else the first that could have. */
export function envNameOf(path: FieldPath, read: ReadonlySet<EnvSetting>): SettingName | undefined {
  const cluster = path[0] === 'clusters' && typeof path[1] === 'string' ? path[1] : undefined;
  const candidates = ENV_SETTINGS.filter(
    (s) => (s.scope === 'cluster') === (cluster !== undefined) && startsWith(path, fieldOf(s, cluster)),
  );
  const s = candidates.find((c) => read.has(c)) ?? candidates[0];
  return s && { label: s.name, expects: s.expects, missing: s.missing };
}

/** The environment's settings as a document of one cluster; `read` collects the variables that were set. */
export function envDocument(env: Env, read = new Set<EnvSetting>()): Record<string, unknown> {
  const doc: Record<string, unknown> = { clusters: { [ENV_CLUSTER]: {} } };
  const done = new Set<string>();
  for (const s of ENV_SETTINGS) {
    const raw = env[s.name];
    const key = s.field.join('.') + s.scope;
    if (raw === undefined || done.has(key)) continue;
    const value = parsers[s.parse](raw);
    if (value === undefined) continue;
    setAt(doc, fieldOf(s), value);
    read.add(s);
    done.add(key);
  }
  // A token wins over a username and password set beside it, as it always has.
  const cluster = (doc.clusters as Record<string, Record<string, unknown>>)[ENV_CLUSTER];
  if (cluster.token !== undefined) {
    delete cluster.username;
    delete cluster.password;
  }
  return doc;
}

export function envSource(env: Env): ConfigSource {
  const read = new Set<EnvSetting>();
  const document = envDocument(env, read);
  return { document, problems: [], name: (path) => envNameOf(path, read) ?? { label: path.map(String).join('.') } };
}

/** The single cluster that the environment describes (the setup every MCP client config uses). */
export function configFromEnv(env: Env = process.env): AppConfig {
  return validate(envSource(env));
}

export function clusterFromEnv(env: Env, name = ENV_CLUSTER): ClusterConfig {
  return { ...configFromEnv(env).clusters[0], name };
}

/** A whole number setting outside the configuration document (the HTTP server's, the `fingerprint` command's). */
export function parseInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}
