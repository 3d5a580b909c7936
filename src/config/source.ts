// What every source of configuration hands the validator: a document in the config file's keys, and how
// the source spells each of its settings, so that a problem is reported in the words the user wrote.

export type FieldPath = readonly PropertyKey[];

export interface SettingName {
  /** `PROXMOX_SSH_PORT`, `clusters.home.ssh.port`. */
  label: string;
  /** Where the setting was read, when that is not the environment: `config file /etc/proxmox-mcp.yaml`. */
  where?: string;
  /** The source's own wording of what the setting takes, when it differs from the document's. */
  expects?: string;
  /** The source's own wording for a required setting left out. */
  missing?: string;
}

export interface ConfigSource {
  /** In the config file's keys; anything, as read, until the schema has checked it. */
  readonly document: unknown;
  name(path: FieldPath): SettingName;
  /** Problems found while reading the source, before the document could be checked. */
  readonly problems: ReadonlyArray<{ path: FieldPath; message: string }>;
}

/** A piece of user input, safe to show on one terminal line. */
export function printable(word: string, max = 60): string {
  const clean = word.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** `clusters.home.allow[0]`; a key that is not a plain word is quoted: `clusters["a b"]`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `["${printable(String(seg)).replace(/["\\]/g, '\\$&')}"]`;
  }
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `path` in a document without walking into prototypes. */
export function valueAt(doc: unknown, path: FieldPath): unknown {
  let here = doc;
  for (const seg of path) {
    if (!isPlainObject(here) || !Object.hasOwn(here, seg)) return undefined;
    here = here[seg as string];
  }
  return here;
}

/** Sets `path` in a document, creating the objects on the way; stops where a non-object is in the way. */
export function setAt(doc: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let here = doc;
  for (const seg of path.slice(0, -1)) {
    const next = Object.hasOwn(here, seg) ? here[seg] : undefined;
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      Object.defineProperty(here, seg, { value: created, enumerable: true, writable: true, configurable: true });
      here = created;
    } else if (isPlainObject(next)) here = next;
    else return;
  }
  Object.defineProperty(here, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true });
}
