import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { Credentials, TlsOptions } from './proxmox/client.js';
import { normalizeBaseUrl, normalizeFingerprint } from './proxmox/client.js';
import { PRODUCTS, isProduct, productFacts, type Product } from './proxmox/products.js';

/** A start-up configuration problem. The message names the variable and what it expects, never its value. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface SshConfig {
  user: string;
  port: number;
  keyPath?: string;
  keyPassphrase?: string;
  /** Use ssh-agent (SSH_AUTH_SOCK) when no key file is set. */
  agentSocket?: string;
  knownHostsPath: string;
  hostFingerprint?: string;
  /** node name -> address */
  hosts: Record<string, string>;
  sudo: boolean;
  connectTimeoutMs: number;
}

export type ConfirmMode = 'elicit' | 'param' | 'off';

export interface ClusterConfig {
  name: string;
  /** Which Proxmox product the target is (PROXMOX_PRODUCT / `product:`); absent means pve. */
  product?: Product;
  url: string;
  credentials?: Credentials;
  tls: TlsOptions;
  timeoutMs: number;
  /** Largest answer read from the cluster (PROXMOX_MAX_RESPONSE_BYTES; default 64 MiB). */
  maxResponseBytes?: number;
  schemaFile?: string;
  ssh: SshConfig;
  readonly: boolean;
  allow: string[];
  deny: string[];
}

export interface AppConfig {
  clusters: ClusterConfig[];
  defaultCluster: string;
  confirm: ConfirmMode;
  auditLog?: string;
  /** PROXMOX_AUDIT_KEY: the audit log's hash chain is an HMAC with this key (plain SHA-256 without). */
  auditKey?: string;
  /** PROXMOX_CONFIRM_KEY: signs confirmation tokens (random per process when unset). */
  confirmKey?: string;
  /** Answer budget, in tokens (about 4 characters each). */
  maxOutputTokens: number;
  cacheDir: string;
}

type Env = Record<string, string | undefined>;

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

/** `67108864`, `64MiB`, `64M`, `512KiB`: a byte count with an optional binary unit. */
export function parseByteSize(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const m = /^(\d+)\s*(k|ki|kib|kb|m|mi|mib|mb|g|gi|gib|gb)?$/i.exec(raw);
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m?.[2]?.[0] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  const value = m ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name} must be a size from ${min} bytes to ${max / 1024 ** 2} MiB, e.g. 64MiB (got ${JSON.stringify(raw.slice(0, 40))})`,
    );
  }
  return value;
}

export function parseBool(env: Env, name: string, fallback = false): boolean {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new ConfigError(`${name} must be true or false`);
}

export function parseInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

/**
 * `user@realm!tokenid=secret` or `user@realm!tokenid:secret` (PBS and PDM print the colon form), with or
 * without a leading `PVEAPIToken=` / `PBSAPIToken=` / `PDMAPIToken=`: the server sends each product its own form.
 */
export function parseApiToken(raw: string, name = 'PROXMOX_API_TOKEN'): Credentials {
  const value = raw.trim().replace(/^P(?:VE|BS|DM)APIToken=/i, '');
  const m = /^([^\s@!=:]+@[^\s@!=:]+![A-Za-z0-9_][A-Za-z0-9._-]*)[=:](\S+)$/.exec(value);
  if (!m) throw new ConfigError(`${name} must look like user@realm!tokenid=secret (or user@realm!tokenid:secret)`);
  return { kind: 'token', tokenId: m[1], secret: m[2] };
}

export function parseProduct(raw: string | undefined, name = 'PROXMOX_PRODUCT'): Product {
  const value = raw?.trim().toLowerCase() || 'pve';
  if (!isProduct(value))
    throw new ConfigError(`${name} must be one of ${PRODUCTS.join(', ')} (Proxmox VE, Backup Server, Datacenter Manager)`);
  return value;
}

export function parseUrl(raw: string, name = 'PROXMOX_URL', product: Product = 'pve'): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`${name} must be a URL such as https://pve.example.com:8006`);
  }
  if (url.protocol !== 'https:') throw new ConfigError(`${name} must start with https:// (Proxmox serves its API over TLS only)`);
  if (url.username || url.password) throw new ConfigError(`${name} must not hold credentials; use PROXMOX_API_TOKEN`);
  // A bare host means the product's own port; with a path (a reverse proxy) the URL is taken as written.
  const explicitPort = /^https:\/\/(?:\[[^\]]*\]|[^/?#:]*):\d+/i.test(raw.trim());
  if (!explicitPort && /^\/?(api2\/json\/?)?$/.test(url.pathname.replace(/^\//, ''))) url.port = String(productFacts(product).defaultPort);
  return normalizeBaseUrl(url.toString());
}

/** `pve1=10.0.0.11,pve2=10.0.0.12` */
export function parseHostMap(raw: string | undefined, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9.-]*)=([A-Za-z0-9.:[\]-]+)$/.exec(part);
    if (!m) throw new ConfigError(`${name} must be a list like pve1=10.0.0.11,pve2=10.0.0.12`);
    out[m[1]] = m[2];
  }
  return out;
}

export function parseRuleList(raw: string | undefined, name: string): string[] {
  const rules = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const rule of rules) {
    if (!/^(\*|GET|POST|PUT|DELETE)\s+\/\S*$/i.test(rule)) {
      throw new ConfigError(`${name} must be comma-separated rules like "DELETE /nodes/*/qemu/*" or "* /access/**"`);
    }
  }
  return rules;
}

function readSecretFile(path: string, name: string): string | Buffer {
  try {
    return readFileSync(expandHome(path));
  } catch {
    throw new ConfigError(`${name} names a file that cannot be read`);
  }
}

/** A PEM file of one or more certificates, each of which Node can read; refused otherwise at start-up. */
function readPemCertificates(file: string, name: string): string {
  const text = readSecretFile(file, name).toString('utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const readable = blocks.every((b) => {
    try {
      new X509Certificate(b);
      return true;
    } catch {
      return false;
    }
  });
  if (!blocks.length || !readable)
    throw new ConfigError(`${name} must be a PEM file of CA certificates (-----BEGIN CERTIFICATE----- blocks)`);
  return text;
}

export function sshConfigFromEnv(env: Env): SshConfig {
  const fp = env.PROXMOX_SSH_HOST_FINGERPRINT?.trim();
  if (fp && !/^(SHA256:[A-Za-z0-9+/]{43}=?|([0-9a-fA-F]{2}:){31}[0-9a-fA-F]{2}|[0-9a-fA-F]{64})$/.test(fp)) {
    throw new ConfigError('PROXMOX_SSH_HOST_FINGERPRINT must be SHA256:<base64> as ssh-keygen -lf prints, or 64 hex digits');
  }
  const user = env.PROXMOX_SSH_USER?.trim() || 'root';
  if (!/^[a-z_][a-z0-9_.-]*$/i.test(user)) throw new ConfigError('PROXMOX_SSH_USER must be a plain user name');
  return {
    user,
    port: parseInteger(env, 'PROXMOX_SSH_PORT', 22, 1, 65535),
    keyPath: env.PROXMOX_SSH_KEY_PATH?.trim() ? expandHome(env.PROXMOX_SSH_KEY_PATH.trim()) : undefined,
    keyPassphrase: env.PROXMOX_SSH_KEY_PASSPHRASE || undefined,
    agentSocket: env.SSH_AUTH_SOCK || undefined,
    knownHostsPath: expandHome(env.PROXMOX_SSH_KNOWN_HOSTS?.trim() || '~/.ssh/known_hosts'),
    hostFingerprint: fp || undefined,
    hosts: parseHostMap(env.PROXMOX_SSH_HOSTS, 'PROXMOX_SSH_HOSTS'),
    sudo: parseBool(env, 'PROXMOX_SSH_SUDO'),
    connectTimeoutMs: parseInteger(env, 'PROXMOX_SSH_CONNECT_TIMEOUT', 10_000, 100, 600_000),
  };
}

/** The single cluster that the environment describes (the setup every MCP client config uses). */
export function clusterFromEnv(env: Env, name = 'default'): ClusterConfig {
  const rawUrl = env.PROXMOX_URL?.trim();
  if (!rawUrl)
    throw new ConfigError(
      'PROXMOX_URL is not set: give the address of a Proxmox node, e.g. https://pve.example.com:8006 (or run with --demo)',
    );
  const product = parseProduct(env.PROXMOX_PRODUCT);
  const url = parseUrl(rawUrl, 'PROXMOX_URL', product);

  let credentials: Credentials | undefined;
  if (env.PROXMOX_API_TOKEN?.trim()) {
    credentials = parseApiToken(env.PROXMOX_API_TOKEN);
  } else if (env.PROXMOX_USERNAME?.trim()) {
    const username = env.PROXMOX_USERNAME.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(username)) throw new ConfigError('PROXMOX_USERNAME must look like user@realm (e.g. root@pam)');
    if (!env.PROXMOX_PASSWORD) throw new ConfigError('PROXMOX_PASSWORD must be set together with PROXMOX_USERNAME');
    credentials = { kind: 'password', username, password: env.PROXMOX_PASSWORD };
  } else {
    throw new ConfigError('no credentials: set PROXMOX_API_TOKEN (user@realm!tokenid=secret) or PROXMOX_USERNAME and PROXMOX_PASSWORD');
  }

  const tls: TlsOptions = { insecure: parseBool(env, 'PROXMOX_INSECURE') };
  if (env.PROXMOX_CA_FILE?.trim()) tls.ca = readPemCertificates(env.PROXMOX_CA_FILE.trim(), 'PROXMOX_CA_FILE');
  if (env.PROXMOX_FINGERPRINT?.trim()) {
    try {
      tls.fingerprint = normalizeFingerprint(env.PROXMOX_FINGERPRINT);
    } catch {
      throw new ConfigError('PROXMOX_FINGERPRINT must be a SHA-256 fingerprint: 64 hex digits, colons allowed (as the PVE GUI shows it)');
    }
  }

  const readonly = parseBool(env, 'PROXMOX_READONLY');
  return {
    name,
    product,
    url,
    credentials,
    tls,
    timeoutMs: parseInteger(env, 'PROXMOX_TIMEOUT', 30_000, 100, 3_600_000),
    maxResponseBytes: parseByteSize(env, 'PROXMOX_MAX_RESPONSE_BYTES', 64 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024),
    schemaFile: env.PROXMOX_SCHEMA_FILE?.trim() ? expandHome(env.PROXMOX_SCHEMA_FILE.trim()) : undefined,
    ssh: sshConfigFromEnv(env),
    readonly,
    allow: parseRuleList(env.PROXMOX_ALLOW, 'PROXMOX_ALLOW'),
    deny: parseRuleList(env.PROXMOX_DENY, 'PROXMOX_DENY'),
  };
}

const MIN_KEY_CHARS = 16;

/** A secret key setting: unset, or long enough to be worth having. */
function secretKey(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (value.trim().length < MIN_KEY_CHARS)
    throw new ConfigError(`${name} must be at least ${MIN_KEY_CHARS} characters (e.g. openssl rand -hex 32)`);
  return value.trim();
}

export function globalsFromEnv(env: Env): Omit<AppConfig, 'clusters' | 'defaultCluster'> {
  const confirm = (env.PROXMOX_CONFIRM?.trim().toLowerCase() || 'elicit') as ConfirmMode;
  if (!['elicit', 'param', 'off'].includes(confirm)) throw new ConfigError('PROXMOX_CONFIRM must be elicit, param or off');
  return {
    confirm,
    auditLog: env.PROXMOX_AUDIT_LOG?.trim() ? expandHome(env.PROXMOX_AUDIT_LOG.trim()) : undefined,
    auditKey: secretKey(env, 'PROXMOX_AUDIT_KEY'),
    confirmKey: secretKey(env, 'PROXMOX_CONFIRM_KEY'),
    maxOutputTokens: parseInteger(env, 'PROXMOX_MAX_OUTPUT', 4000, 200, 1_000_000),
    cacheDir: expandHome(env.PROXMOX_CACHE_DIR?.trim() || `${env.XDG_CACHE_HOME || '~/.cache'}/proxmox-mcp`),
  };
}

export function configFromEnv(env: Env = process.env): AppConfig {
  const cluster = clusterFromEnv(env);
  return { ...globalsFromEnv(env), clusters: [cluster], defaultCluster: cluster.name };
}
