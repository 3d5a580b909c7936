/**
 * Hides secrets before anything is written down. PVE parameters that carry secrets (from the 9.2 schema):
 * password, cipassword, confirmation-password, token, secret, key (subscription, DNS API, TLS private key),
 * client-key, encryption-key, eab-hmac-key, keyring, keys (TFA), lock-token, otp, ticket, vncticket,
 * and `data` of ACME DNS plugins (base64 API credentials).
 */

export const REDACTED = '***';

const SECRET_KEY = /pass(word|phrase)?|secret|token|ticket|csrf|(^|[-_])t?otp$|keyring|keys?$|private|credential|hmac|auth(orization)?$/i;
// Names that match the pattern above but only identify things, and are needed to read the log.
const NOT_SECRET = new Set([
  'tokenid',
  'tokens',
  'token-coefficient',
  'generate-password',
  'privsep',
  'keyboard',
  'vmid',
  'passthrough',
  'expire',
  'config-keys',
]);

/** Keys that are secret only on some paths. */
const SECRET_ON_PATH: Array<{ path: RegExp; keys: Set<string> }> = [
  { path: /^\/cluster\/acme\/plugins(\/|$)/, keys: new Set(['data']) },
  { path: /^\/access\/tfa(\/|$)/, keys: new Set(['value', 'challenge']) },
];

export function isSecretKey(key: string, path?: string): boolean {
  const k = key.toLowerCase();
  if (NOT_SECRET.has(k)) return false;
  if (SECRET_KEY.test(k)) return true;
  return path !== undefined && SECRET_ON_PATH.some((s) => s.path.test(path) && s.keys.has(k));
}

const SECRET_WORD = String.raw`[\w-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|session|cookie)[\w-]*`;
/** A whole name that carries a secret; names are cut to 128 characters before this test. */
const SECRET_NAME = new RegExp(String.raw`^(?:(?:x-)?${SECRET_WORD}|authorization|x-api-key)$`, 'i');
const isSecretName = (name: string) => name.length <= 128 && SECRET_NAME.test(name);

// Every pattern below starts only where a run of name characters starts (the lookbehinds) and names a
// secret in a callback, so the work stays linear in the text: a 64 KiB parameter value must not stall
// the event loop, and every write's parameters pass through here on their way to the audit log.
const URL_CREDENTIALS = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi;
const JSON_MEMBER = /"([\w-]+)"(\s*:\s*)"(?:[^"\\]|\\.){0,4096}"/g;
const ASSIGNMENT = /(?<![\w-])([\w-]+)(=|%3D)([^\s,;&"']+)/gi;
const HEADER = /(?<![\w-])([\w-]+)(\s*:\s*)(?:(Bearer|Basic|PVEAPIToken)\s+)?("[^"]{0,1024}"|'[^']{0,1024}'|[^\s'",;]+)/gi;

/**
 * `password=x`, `token=x` inside property strings, URLs and form bodies, `"password": "x"` in JSON,
 * `X-Api-Key: x` style headers, `user:pass@` in URLs.
 */
export function redactString(text: string): string {
  return text
    .replace(URL_CREDENTIALS, `$1:${REDACTED}@`)
    .replace(JSON_MEMBER, (m, name: string, sep: string) => (isSecretName(name) ? `"${name}"${sep}"${REDACTED}"` : m))
    .replace(ASSIGNMENT, (m, name: string, eq: string) => (isSecretName(name) ? `${name}${eq}${REDACTED}` : m))
    .replace(HEADER, (m, name: string, sep: string, scheme: string | undefined) =>
      isSecretName(name) ? `${name}${sep}${scheme ? `${scheme} ` : ''}${REDACTED}` : m,
    );
}

/** A copy of `params` with secret values replaced, recursively. */
export function redactParams(params: Record<string, unknown>, path?: string): Record<string, unknown> {
  return redactValue(params, path) as Record<string, unknown>;
}

function redactValue(value: unknown, path: string | undefined, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, path, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k, path) && v !== undefined && v !== null && v !== '' ? REDACTED : redactValue(v, path, depth + 1);
  }
  return out;
}

/**
 * A shell command with likely secrets hidden: `--password=x` / `--token x` options, `PASSWORD=x`
 * assignments, `Authorization:` headers and URL credentials. Best effort: a secret in a bare
 * positional argument cannot be told apart from any other word.
 */
export function redactCommand(command: string): string {
  return (
    redactString(command)
      // `-pSECRET` (mysql, mysqldump, sshpass): the password glued to the option.
      .replace(/(^|[\s"'])(-p)(?=[^\s"'-])([^\s"']+)/g, `$1$2${REDACTED}`)
      .replace(/(?<![\w-])(--?[\w-]+)(\s+)(?!-)("[^"]{0,4096}"|'[^']{0,4096}'|\S+)/g, (m, option: string, sep: string) =>
        option.length <= 128 && /^--?[\w-]*(?:pass(?:word|phrase)?|secret|token|api-?key|pwd)[\w-]*$/i.test(option)
          ? `${option}${sep}${REDACTED}`
          : m,
      )
      .replace(/(authorization:\s*(?:\w+\s+)?)("[^"]*"|'[^']*'|[^\s'"]+)/gi, `$1${REDACTED}`)
      .replace(/(PVEAPIToken=[^=\s]+=)\S+/g, `$1${REDACTED}`)
      .replace(/(P[BD][SM]APIToken=[^:\s]+!\S+?:)\S+/g, `$1${REDACTED}`)
  );
}
