import * as z from 'zod';
import type { Credentials, TlsOptions } from '../proxmox/client.js';
import { closestNames } from '../schema/similar.js';
import { printable } from './source.js';
import {
  CONTROL_CHARACTERS,
  Refusal,
  apiToken,
  baseUrl,
  byteSize,
  certificateFingerprint,
  expandHome,
  pemCertificates,
  policyRule,
  product,
} from './values.js';

// The configuration, once. Its keys are the config file's keys; the environment (env.ts) and the demo
// (demo.ts) fill in the same document, and one validator (validate.ts) reports what is wrong in the terms
// of the source that said it. What the server runs with (AppConfig) is this schema's output.
//
// Every check's message completes a sentence whose subject is the setting ("must be ..."), so that the
// validator can name the setting as its source spells it: PROXMOX_SSH_PORT, or clusters.home.ssh.port.

/** Each issue of a field gets the one sentence saying what the field takes. */
const says = (message: string) => ({ error: message });

const MAX_TEXT = 4096;
/** Secrets are kept as given (a password may end in a space); they are bounded all the same. */
const MAX_SECRET = 8192;

/** Turns a Refusal from values.ts into an issue of the field being parsed. */
function checked<I, O>(parse: (value: I) => O) {
  return (value: I, ctx: z.core.$RefinementCtx<I>): O => {
    try {
      return parse(value);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      ctx.issues.push({ code: 'custom', message: err.message, input: value });
      return z.NEVER;
    }
  };
}

// The configuration is parsed once per process, at start-up, where every millisecond counts: each field
// is built with as few zod objects as it takes (checks in one .check(), shared field types), and it is
// parsed without zod's compiled fast path (validate.ts), which only pays off on repeated parses.

const TOO_LONG = says(`must be at most ${MAX_TEXT} characters`);
const NO_CONTROL = z.refine<string>((s) => !CONTROL_CHARACTERS.test(s), says('must not contain control characters'));

/** Trimmed, bounded text without control characters; `checks` add what the field itself requires. */
const text = (what: string, ...checks: Array<z.core.$ZodCheck<string>>) =>
  z.string(says(`must be ${what}`)).check(z.maxLength(MAX_TEXT, TOO_LONG), z.trim(), NO_CONTROL, ...checks);

const matches = (pattern: RegExp, message: string) => z.regex(pattern, says(message));

const FILE_PATH = text('a file path').transform(expandHome);

const SECRET = z
  .string(says('must be a string, { env: VARIABLE } or { file: PATH }'))
  .check(z.minLength(1, says('must not be empty')), z.maxLength(MAX_SECRET, says('is too long')));

const wholeNumber = (min: number, max: number, what = `a whole number from ${min} to ${max}`) => {
  const e = says(`must be ${what}`);
  return z.int(e).check(z.gte(min, e), z.lte(max, e));
};

const FLAG = z.boolean(says('must be true or false'));

const RULES = z
  .array(z.string(says('must be a rule like "GET /**"')).transform(checked(policyRule)), says('must be a list of rules like ["GET /**"]'))
  .check(z.maxLength(1000, says('must hold at most 1000 rules')))
  .default([]);

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;
const NODE_ADDRESS = /^[A-Za-z0-9.:[\]-]+$/;
const NODE_MAP = 'must map node names to addresses, e.g. { pve1: 10.0.0.11 }';

const sshSchema = z
  .strictObject(
    {
      user: text('a plain user name', matches(/^[a-z_][a-z0-9_.-]*$/i, 'must be a plain user name')).default('root'),
      port: wholeNumber(1, 65535, 'a port number (1-65535)').default(22),
      keyPath: FILE_PATH.optional(),
      keyPassphrase: SECRET.optional(),
      /** From SSH_AUTH_SOCK only: used when no key file is set. */
      agentSocket: z.string(says('must be a socket path')).min(1).optional(),
      knownHosts: FILE_PATH.prefault('~/.ssh/known_hosts'),
      hostFingerprint: text(
        'a host key fingerprint',
        matches(
          /^(SHA256:[A-Za-z0-9+/]{43}=?|([0-9a-fA-F]{2}:){31}[0-9a-fA-F]{2}|[0-9a-fA-F]{64})$/,
          'must be SHA256:<base64> as ssh-keygen -lf prints, or 64 hex digits',
        ),
      ).optional(),
      /** node name -> address */
      hosts: z
        .record(
          z.string().check(matches(NODE_NAME, NODE_MAP)),
          z.string(says(NODE_MAP)).check(matches(NODE_ADDRESS, NODE_MAP)),
          says(NODE_MAP),
        )
        .default({}),
      sudo: FLAG.default(false),
      connectTimeout: wholeNumber(100, 600_000, 'a whole number of milliseconds from 100 to 600000').default(10_000),
    },
    says('must be a map of SSH settings'),
  )
  .transform(({ knownHosts, connectTimeout, ...rest }) => ({ ...rest, knownHostsPath: knownHosts, connectTimeoutMs: connectTimeout }));

const REQUIRED_URL = 'the address of a Proxmox node, e.g. https://pve.example.com:8006';

const clusterSchema = z
  .strictObject(
    {
      /** Which Proxmox product the target is; pve when absent. */
      product: z.string(says('must be pve, pbs or pdm')).transform(checked(product)).default('pve'),
      url: z
        .string({
          error: (iss) => (iss.input === undefined ? `is required: ${REQUIRED_URL}` : 'must be a URL such as https://pve.example.com:8006'),
        })
        .check(z.maxLength(MAX_TEXT, TOO_LONG)),
      token: SECRET.optional(),
      username: text('a user name like root@pam', matches(/^[^\s@]+@[^\s@]+$/, 'must look like user@realm (e.g. root@pam)')).optional(),
      password: SECRET.optional(),
      fingerprint: text('a SHA-256 fingerprint').transform(checked(certificateFingerprint)).optional(),
      insecure: FLAG.default(false),
      caFile: FILE_PATH.optional(),
      timeout: wholeNumber(100, 3_600_000, 'a whole number of milliseconds from 100 to 3600000').default(30_000),
      /** Largest answer read from the cluster. */
      maxResponseBytes: z
        .union([z.number(), z.string()], says('must be a size such as 64MiB'))
        .transform(checked((v) => byteSize(v, 64 * 1024, 256 * 1024 * 1024)))
        .default(64 * 1024 * 1024),
      schemaFile: FILE_PATH.optional(),
      readonly: FLAG.default(false),
      allow: RULES,
      deny: RULES,
      ssh: sshSchema.prefault({}),
    },
    says('must be a map of cluster settings'),
  )
  .superRefine((c, ctx) => {
    // Messages that name another setting say so with {{field}}; the validator spells it for the source.
    if (c.token !== undefined && (c.username !== undefined || c.password !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'and {{username}}/{{password}} exclude each other: give one kind of credentials',
      });
    else if (c.password !== undefined && c.username === undefined)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'needs {{username}} (e.g. root@pam)' });
    else if (c.username !== undefined && c.password === undefined)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'must be set together with {{username}}' });
    else if (c.token === undefined && c.username === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'no credentials: set {{token}} (user@realm!tokenid=secret) or {{username}} and {{password}}',
        params: { standalone: true },
      });
  })
  .transform((c, ctx) => {
    const { url, token, username, password, fingerprint, insecure, caFile, timeout, ...rest } = c;
    const at = <T>(field: string, parse: () => T): T | undefined => {
      try {
        return parse();
      } catch (err) {
        if (!(err instanceof Refusal)) throw err;
        ctx.issues.push({ code: 'custom', path: [field], message: err.message, input: undefined });
        return undefined;
      }
    };
    const address = at('url', () => baseUrl(url, c.product));
    // superRefine has made sure that there is a token, or a username with its password.
    const credentials: Credentials | undefined =
      token !== undefined ? at('token', () => apiToken(token)) : { kind: 'password', username: username!, password: password! };
    const tls: TlsOptions = { insecure };
    if (caFile) tls.ca = at('caFile', () => pemCertificates(caFile));
    if (fingerprint) tls.fingerprint = fingerprint;
    if (address === undefined || credentials === undefined || (caFile && tls.ca === undefined)) return z.NEVER;
    return { ...rest, url: address, credentials, tls, timeoutMs: timeout };
  });

const CLUSTER_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const MAX_CLUSTERS = 100;

const SECRET_KEY = z
  .string(says('must be a string'))
  .check(
    z.trim(),
    z.minLength(16, says('must be at least 16 characters (e.g. openssl rand -hex 32)')),
    z.maxLength(MAX_SECRET, says('is too long')),
  );

function unknownCluster(name: string, defined: string[]): string {
  const near = closestNames(name, defined, 1);
  const suggestion = near.length ? ` (did you mean '${near[0]}'?)` : '';
  // A cluster name is not a secret; it is cut short and stripped of control characters all the same.
  return `names cluster '${printable(name)}', which is not defined${suggestion}; defined: ${defined.join(', ')}`;
}

export const configSchema = z
  .strictObject(
    {
      /** The cluster a call goes to when it names none; the first one when absent. */
      default: z.string(says('must be the name of a cluster')).optional(),
      confirm: z
        .string(says('must be elicit, param or off'))
        .trim()
        .toLowerCase()
        .pipe(z.enum(['elicit', 'param', 'off'], says('must be elicit, param or off')))
        .default('elicit'),
      auditLog: FILE_PATH.optional(),
      /** The audit log's hash chain is an HMAC with this key (plain SHA-256 without); from the environment only. */
      auditKey: SECRET_KEY.optional(),
      /** Signs confirmation tokens (random per process when unset); from the environment only. */
      confirmKey: SECRET_KEY.optional(),
      /** Answer budget, in tokens (about 4 characters each). */
      maxOutput: wholeNumber(200, 1_000_000).default(4000),
      cacheDir: FILE_PATH.prefault('~/.cache/proxmox-mcp'),
      clusters: z
        .record(
          z.string().regex(CLUSTER_NAME, says("must be lower-case letters, digits, '-' and '_', starting with a letter or digit")),
          clusterSchema,
          { error: (iss) => `${iss.input === undefined ? 'is required:' : 'must be'} a map of cluster names to their settings` },
        )
        .refine((m) => Object.keys(m).length > 0, says('must name at least one cluster'))
        .refine((m) => Object.keys(m).length <= MAX_CLUSTERS, says(`must name at most ${MAX_CLUSTERS} clusters`)),
    },
    says('must be a map of settings'),
  )
  .superRefine((doc, ctx) => {
    const names = Object.keys(doc.clusters);
    // Own keys only: `default: constructor` must not find Object.prototype.constructor.
    if (doc.default !== undefined && !Object.hasOwn(doc.clusters, doc.default))
      ctx.addIssue({ code: 'custom', path: ['default'], message: unknownCluster(doc.default, names) });
  })
  .transform(({ default: preferred, maxOutput, clusters, ...rest }) => {
    const list = Object.entries(clusters).map(([name, c]) => ({ name, ...c }));
    return { ...rest, maxOutputTokens: maxOutput, clusters: list, defaultCluster: preferred ?? list[0].name };
  });

type Parsed = z.output<typeof configSchema>;
/**
 * One target as the server runs it: the schema's output, where a hand-built one (a test, a fake client)
 * may leave out what has a meaning when absent: the product (pve), credentials (none), the answer limit.
 */
export type ClusterConfig = Omit<Parsed['clusters'][number], 'product' | 'credentials' | 'maxResponseBytes'> &
  Partial<Pick<Parsed['clusters'][number], 'product' | 'credentials' | 'maxResponseBytes'>>;
/** The configuration the server runs with. */
export type AppConfig = Omit<Parsed, 'clusters'> & { clusters: ClusterConfig[] };
export type SshConfig = ClusterConfig['ssh'];

/** The keys of each object of the document, for suggestions on an unknown key. */
export function knownKeys(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(configSchema.in.shape);
  if (path.length === 2 && path[0] === 'clusters') return Object.keys(clusterSchema.in.shape);
  if (path.length === 3 && path[0] === 'clusters' && path[2] === 'ssh') return Object.keys(sshSchema.in.shape);
  return [];
}
