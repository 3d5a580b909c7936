import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import * as z from 'zod';
import { ConfigError, clusterFromEnv, globalsFromEnv, type AppConfig, type ClusterConfig } from './config.js';
import { closestNames } from './schema/similar.js';

type Env = Record<string, string | undefined>;
export type ConfigFormat = 'yaml' | 'json';

export interface ParseOptions {
  /** Named in every error message (the file's path). */
  source?: string;
  /** Relative paths in the file (schemaFile, caFile, keyPath, token files...) resolve against this directory. */
  baseDir?: string;
}

const CLUSTER_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** A secret given inline, by environment variable, or by file; the file keeps plain values out of it. */
const secret = z.union(
  [z.string().min(1), z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }), z.strictObject({ file: z.string().min(1) })],
  {
    error: 'must be a string, { env: VARIABLE } or { file: PATH }',
  },
);
type Secret = z.infer<typeof secret>;

const rules = z.array(
  z
    .string()
    .min(1)
    .refine((r) => !r.includes(','), 'must hold one rule per list item (no commas)'),
);

const sshSchema = z.strictObject({
  user: z.string().optional(),
  port: z.number().int().optional(),
  keyPath: z.string().optional(),
  keyPassphrase: secret.optional(),
  knownHosts: z.string().optional(),
  hostFingerprint: z.string().optional(),
  hosts: z.record(z.string(), z.string()).optional(),
  sudo: z.boolean().optional(),
  connectTimeout: z.number().int().optional(),
});

const clusterSchema = z.strictObject({
  product: z.string().optional(),
  url: z.string({ error: 'is required: the address of a Proxmox node, e.g. https://pve.example.com:8006' }),
  token: secret.optional(),
  username: z.string().optional(),
  password: secret.optional(),
  fingerprint: z.string().optional(),
  insecure: z.boolean().optional(),
  caFile: z.string().optional(),
  timeout: z.number().int().optional(),
  maxResponseBytes: z.union([z.number().int(), z.string()]).optional(),
  schemaFile: z.string().optional(),
  readonly: z.boolean().optional(),
  allow: rules.optional(),
  deny: rules.optional(),
  ssh: sshSchema.optional(),
});
type ClusterEntry = z.infer<typeof clusterSchema>;

const fileSchema = z.strictObject({
  default: z.string().optional(),
  confirm: z.string().optional(),
  auditLog: z.string().optional(),
  maxOutput: z.number().int().optional(),
  cacheDir: z.string().optional(),
  clusters: z.record(z.string(), clusterSchema, { error: 'is required: a map of cluster names to their settings' }),
});

/** Which object a key path points into, so an unknown key can be matched against its siblings. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(fileSchema.shape);
  if (path[0] !== 'clusters') return [];
  if (path.length === 2) return Object.keys(clusterSchema.shape);
  if (path.length === 3 && path[2] === 'ssh') return Object.keys(sshSchema.shape);
  return ['env', 'file'];
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = dotted(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys
      .map((key) => {
        const near = closestNames(key, known, 1);
        const where = at ? `${at}.${key}` : key;
        return `${where} is not a known setting${near.length ? ` (did you mean '${near[0]}'?)` : ''}`;
      })
      .join('; ');
  }
  // zod's own messages name types and limits, never the value it received, so they are safe to show.
  return `${at || 'the file'}: ${issue.message.replace(/^Invalid input: /, '')}`;
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

/** `~` and relative paths: a config file's paths mean the same wherever the server is started from. */
function filePath(p: string | undefined, baseDir: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  const expanded = expandHome(p.trim());
  return baseDir && !isAbsolute(expanded) ? resolve(baseDir, expanded) : expanded;
}

function resolveSecret(value: Secret | undefined, field: string, env: Env, baseDir: string | undefined): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if ('env' in value) {
    const v = env[value.env];
    if (v === undefined || v === '') throw new ConfigError(`${field} names the environment variable ${value.env}, which is not set`);
    return v;
  }
  try {
    return readFileSync(filePath(value.file, baseDir)!, 'utf8').trim();
  } catch {
    throw new ConfigError(`${field} names a file that cannot be read: ${value.file}`);
  }
}

const str = (v: string | number | boolean | undefined) => (v === undefined ? undefined : String(v));

/**
 * Each cluster is expressed in the variables the environment-only setup reads, so a file and the
 * environment are checked by the very same code; `names` turns variable names back into file fields.
 */
function clusterEnv(name: string, c: ClusterEntry, env: Env, baseDir: string | undefined): { vars: Env; names: Record<string, string> } {
  const f = (field: string) => `clusters.${name}.${field}`;
  if (c.token !== undefined && (c.username !== undefined || c.password !== undefined)) {
    throw new ConfigError(`${f('token')} and ${f('username')}/${f('password')} exclude each other: give one kind of credentials`);
  }
  if (c.password !== undefined && c.username === undefined)
    throw new ConfigError(`${f('password')} needs ${f('username')} (e.g. root@pam)`);
  const ssh = c.ssh ?? {};
  const vars: Env = {
    PROXMOX_PRODUCT: c.product,
    PROXMOX_URL: c.url,
    PROXMOX_API_TOKEN: resolveSecret(c.token, f('token'), env, baseDir),
    PROXMOX_USERNAME: c.username,
    PROXMOX_PASSWORD: resolveSecret(c.password, f('password'), env, baseDir),
    PROXMOX_INSECURE: str(c.insecure),
    PROXMOX_CA_FILE: filePath(c.caFile, baseDir),
    PROXMOX_FINGERPRINT: c.fingerprint,
    PROXMOX_TIMEOUT: str(c.timeout),
    PROXMOX_MAX_RESPONSE_BYTES: str(c.maxResponseBytes),
    PROXMOX_SCHEMA_FILE: filePath(c.schemaFile, baseDir),
    PROXMOX_READONLY: str(c.readonly),
    PROXMOX_ALLOW: c.allow?.join(','),
    PROXMOX_DENY: c.deny?.join(','),
    PROXMOX_SSH_USER: ssh.user,
    PROXMOX_SSH_PORT: str(ssh.port),
    PROXMOX_SSH_KEY_PATH: filePath(ssh.keyPath, baseDir),
    PROXMOX_SSH_KEY_PASSPHRASE: resolveSecret(ssh.keyPassphrase, f('ssh.keyPassphrase'), env, baseDir),
    PROXMOX_SSH_KNOWN_HOSTS: filePath(ssh.knownHosts, baseDir),
    PROXMOX_SSH_HOST_FINGERPRINT: ssh.hostFingerprint,
    PROXMOX_SSH_HOSTS: ssh.hosts
      ? Object.entries(ssh.hosts)
          .map(([node, addr]) => `${node}=${addr}`)
          .join(',')
      : undefined,
    PROXMOX_SSH_SUDO: str(ssh.sudo),
    PROXMOX_SSH_CONNECT_TIMEOUT: str(ssh.connectTimeout),
    SSH_AUTH_SOCK: env.SSH_AUTH_SOCK,
  };
  const names: Record<string, string> = {
    PROXMOX_PRODUCT: f('product'),
    PROXMOX_URL: f('url'),
    PROXMOX_API_TOKEN: f('token'),
    PROXMOX_USERNAME: f('username'),
    PROXMOX_PASSWORD: f('password'),
    PROXMOX_INSECURE: f('insecure'),
    PROXMOX_CA_FILE: f('caFile'),
    PROXMOX_FINGERPRINT: f('fingerprint'),
    PROXMOX_TIMEOUT: f('timeout'),
    PROXMOX_MAX_RESPONSE_BYTES: f('maxResponseBytes'),
    PROXMOX_SCHEMA_FILE: f('schemaFile'),
    PROXMOX_READONLY: f('readonly'),
    PROXMOX_ALLOW: f('allow'),
    PROXMOX_DENY: f('deny'),
    PROXMOX_SSH_USER: f('ssh.user'),
    PROXMOX_SSH_PORT: f('ssh.port'),
    PROXMOX_SSH_KEY_PATH: f('ssh.keyPath'),
    PROXMOX_SSH_KNOWN_HOSTS: f('ssh.knownHosts'),
    PROXMOX_SSH_HOST_FINGERPRINT: f('ssh.hostFingerprint'),
    PROXMOX_SSH_HOSTS: f('ssh.hosts'),
    PROXMOX_SSH_SUDO: f('ssh.sudo'),
    PROXMOX_SSH_CONNECT_TIMEOUT: f('ssh.connectTimeout'),
  };
  return { vars, names };
}

/** Reuses an env-reading helper and re-words its errors in the file's terms. */
function inFileTerms<T>(names: Record<string, string>, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Longest names first, so PROXMOX_SSH_HOSTS is not caught by a shorter prefix.
    const vars = Object.keys(names).sort((a, b) => b.length - a.length);
    let message = err.message.replace(/ \(or run with --demo\)$/, '');
    for (const v of vars) message = message.replaceAll(v, names[v]);
    throw new ConfigError(message);
  }
}

function parseText(text: string, format: ConfigFormat): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (err) {
      // Newer V8 messages quote the text around the mistake, which may be a secret: report the place only.
      const pos = /position (\d+)/.exec((err as Error).message);
      if (!pos) throw new ConfigError('is not valid JSON');
      const before = text.slice(0, Number(pos[1])).split('\n');
      throw new ConfigError(`is not valid JSON (line ${before.length}, column ${before[before.length - 1].length + 1})`);
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const problem = doc.errors[0];
  if (problem) {
    // The yaml library quotes the offending line; only its position is shown, in case it holds a secret.
    const where = problem.linePos?.[0];
    throw new ConfigError(`is not valid YAML (${problem.code}${where ? ` at line ${where.line}, column ${where.col}` : ''})`);
  }
  return doc.toJS();
}

/** YAML or JSON by extension; otherwise a leading `{` means JSON. */
export function detectFormat(path: string, text: string): ConfigFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

function parseValidated(text: string, format: ConfigFormat, env: Env, opts: ParseOptions): AppConfig {
  const raw = parseText(text, format);
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map(describeIssue).join('; '));
  const file = parsed.data;

  const names = Object.keys(file.clusters);
  if (names.length === 0) throw new ConfigError('clusters must name at least one cluster');
  for (const name of names) {
    if (!CLUSTER_NAME.test(name)) {
      throw new ConfigError(`cluster name '${name}' must be lower-case letters, digits, '-' and '_', starting with a letter or digit`);
    }
  }
  const clusters: ClusterConfig[] = names.map((name) => {
    const { vars, names: fields } = clusterEnv(name, file.clusters[name], env, opts.baseDir);
    return inFileTerms(fields, () => clusterFromEnv(vars, name));
  });

  const defaultCluster = file.default ?? names[0];
  if (!file.clusters[defaultCluster]) {
    const near = closestNames(defaultCluster, names, 1);
    throw new ConfigError(
      `default names cluster '${defaultCluster}', which is not defined${near.length ? ` (did you mean '${near[0]}'?)` : ''}; defined: ${names.join(', ')}`,
    );
  }

  // A global left out of the file falls back to the environment, as in the environment-only setup.
  const globals = inFileTerms(
    { PROXMOX_CONFIRM: 'confirm', PROXMOX_AUDIT_LOG: 'auditLog', PROXMOX_MAX_OUTPUT: 'maxOutput', PROXMOX_CACHE_DIR: 'cacheDir' },
    () =>
      globalsFromEnv({
        XDG_CACHE_HOME: env.XDG_CACHE_HOME,
        PROXMOX_CONFIRM: file.confirm ?? env.PROXMOX_CONFIRM,
        PROXMOX_AUDIT_LOG: filePath(file.auditLog, opts.baseDir) ?? env.PROXMOX_AUDIT_LOG,
        PROXMOX_MAX_OUTPUT: str(file.maxOutput) ?? env.PROXMOX_MAX_OUTPUT,
        PROXMOX_CACHE_DIR: filePath(file.cacheDir, opts.baseDir) ?? env.PROXMOX_CACHE_DIR,
        // Secrets stay in the environment, never in the file.
        PROXMOX_AUDIT_KEY: env.PROXMOX_AUDIT_KEY,
        PROXMOX_CONFIRM_KEY: env.PROXMOX_CONFIRM_KEY,
      }),
  );
  return { ...globals, clusters, defaultCluster };
}

/**
 * Reads a configuration with several clusters from YAML or JSON text. Errors name the source, the
 * cluster and the field, never a value (values may be secrets).
 */
export function parseConfigFile(text: string, format: ConfigFormat, env: Env, opts: ParseOptions = {}): AppConfig {
  try {
    return parseValidated(text, format, env, opts);
  } catch (err) {
    if (err instanceof ConfigError && opts.source) throw new ConfigError(`config file ${opts.source}: ${err.message}`);
    throw err;
  }
}

export async function loadConfigFile(path: string, env: Env): Promise<AppConfig> {
  const full = resolve(expandHome(path));
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (err) {
    throw new ConfigError(`config file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseConfigFile(text, detectFormat(full, text), env, { source: path, baseDir: dirname(full) });
}
