import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ENV_CLUSTER, ENV_SETTINGS, envDocument, envNameOf, type Env, type EnvSetting } from './env.js';
import { ConfigError } from './error.js';
import type { AppConfig } from './schema.js';
import { formatPath, isPlainObject, printable, setAt, valueAt, type ConfigSource, type FieldPath } from './source.js';
import { validate } from './validate.js';
import { Refusal, expandHome, readSmallFile } from './values.js';

// A config file for several targets, YAML or JSON. Its keys are the schema's keys; what this module adds
// is what only a file has: secrets by reference ({ env: VAR } / { file: PATH }), paths relative to the
// file, and the environment behind the globals the file leaves out.

export type ConfigFormat = 'yaml' | 'json';

export interface ParseOptions {
  /** Named in every error message (the file's path). */
  source?: string;
  /** Relative paths in the file (schemaFile, caFile, keyPath, token files...) resolve against this directory. */
  baseDir?: string;
}

/** No configuration is this large; a larger file is a mistake (or /dev/zero). */
const MAX_FILE_BYTES = 1024 * 1024;

const ENV_VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseText(text: string, format: ConfigFormat): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (err) {
      // Newer V8 messages quote the text around the mistake, which may be a secret: report the place only.
      const pos = /position (\d+)/.exec((err as Error).message);
      if (!pos) throw new Refusal('is not valid JSON');
      const before = text.slice(0, Number(pos[1])).split('\n');
      throw new Refusal(`is not valid JSON (line ${before.length}, column ${before[before.length - 1].length + 1})`);
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const problem = doc.errors[0];
  if (problem) {
    // The yaml library quotes the offending line; only its position is shown, in case it holds a secret.
    const where = problem.linePos?.[0];
    throw new Refusal(`is not valid YAML (${problem.code}${where ? ` at line ${where.line}, column ${where.col}` : ''})`);
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

const key = (s: EnvSetting) => s.field.join('.');
/** Fields only the environment sets: every variable for them is environment-only. */
const envOnly = (scope: EnvSetting['scope']) =>
  ENV_SETTINGS.filter((s) => s.scope === scope && ENV_SETTINGS.every((o) => key(o) !== key(s) || o.scope !== scope || o.envOnly));
const fileSettings = (scope: EnvSetting['scope'], parse: EnvSetting['parse']) =>
  ENV_SETTINGS.filter((s) => s.scope === scope && s.parse === parse && !s.envOnly);

function clustersOf(doc: Record<string, unknown>): Array<[string, Record<string, unknown>]> {
  const clusters = doc.clusters;
  if (!isPlainObject(clusters)) return [];
  return Object.keys(clusters)
    .filter((name) => isPlainObject(clusters[name]))
    .map((name) => [name, clusters[name] as Record<string, unknown>]);
}

/** `{ env: VAR }` or `{ file: PATH }` in place of a secret, read now; anything else is left for the schema to refuse. */
function dereference(value: unknown, env: Env, baseDir: string | undefined): string | undefined {
  if (!isPlainObject(value) || Object.keys(value).length !== 1) return undefined;
  if (typeof value.env === 'string' && ENV_VARIABLE.test(value.env)) {
    const v = env[value.env];
    if (v === undefined || v === '') throw new Refusal(`names the environment variable ${value.env}, which is not set`);
    return v;
  }
  if (typeof value.file === 'string' && value.file) {
    const file = pathIn(value.file, baseDir);
    try {
      return readSmallFile(file).toString('utf8').trim();
    } catch (err) {
      if (err instanceof Refusal) throw new Refusal(`${err.message}: ${printable(value.file)}`);
      throw err;
    }
  }
  return undefined;
}

/** `~` and relative paths: a config file's paths mean the same wherever the server is started from. */
function pathIn(p: string, baseDir: string | undefined): string {
  const expanded = expandHome(p.trim());
  return baseDir && !isAbsolute(expanded) ? resolve(baseDir, expanded) : expanded;
}

/** The configuration a parsed config file states, with the environment behind what it leaves out. */
export function fileSource(parsed: unknown, env: Env, opts: ParseOptions = {}): ConfigSource {
  const where = opts.source ? `config file ${printable(opts.source, 200)}` : undefined;
  const document = parsed ?? {};
  const problems: Array<{ path: FieldPath; message: string }> = [];
  const read = new Set<EnvSetting>();
  /** Paths whose value the environment gave: named by their variable. */
  const fromEnv: string[][] = [];
  const onlyEnvGlobal = envOnly('global');
  const onlyEnvCluster = envOnly('cluster');

  if (isPlainObject(document)) {
    const clusters = clustersOf(document);
    for (const s of onlyEnvGlobal)
      if (Object.hasOwn(document, s.field[0])) problems.push({ path: s.field, message: `is not read from a file: set ${s.name} instead` });
    for (const [name, c] of clusters)
      for (const s of onlyEnvCluster)
        if (valueAt(c, s.field) !== undefined)
          problems.push({ path: ['clusters', name, ...s.field], message: `is not read from a file: set ${s.name} instead` });

    for (const [name, c] of clusters) {
      for (const s of fileSettings('cluster', 'secret')) {
        try {
          const value = dereference(valueAt(c, s.field), env, opts.baseDir);
          if (value !== undefined) setAt(c, s.field, value);
        } catch (err) {
          if (!(err instanceof Refusal)) throw err;
          problems.push({ path: ['clusters', name, ...s.field], message: err.message });
        }
      }
      for (const s of fileSettings('cluster', 'path')) {
        const p = valueAt(c, s.field);
        if (typeof p === 'string') setAt(c, s.field, pathIn(p, opts.baseDir));
      }
    }
    for (const s of fileSettings('global', 'path')) {
      const p = document[s.field[0]];
      if (typeof p === 'string') document[s.field[0]] = pathIn(p, opts.baseDir);
    }

    // A global left out of the file comes from the environment, as in the environment-only setup;
    // so do the ssh-agent and the server's secret keys, which a file never holds.
    const envDoc = envDocument(env, read);
    for (const s of ENV_SETTINGS.filter((g) => g.scope === 'global')) {
      const field = s.field[0];
      if (Object.hasOwn(document, field) || envDoc[field] === undefined) continue;
      document[field] = envDoc[field];
      fromEnv.push([field]);
    }
    for (const s of onlyEnvCluster) {
      const value = valueAt(envDoc, ['clusters', ENV_CLUSTER, ...s.field]);
      if (value === undefined) continue;
      for (const [name, c] of clusters) {
        if (valueAt(c, s.field) !== undefined || (c.ssh !== undefined && !isPlainObject(c.ssh))) continue;
        setAt(c, s.field, value);
        fromEnv.push(['clusters', name, ...s.field]);
      }
    }
  }

  return {
    document,
    problems,
    name(path) {
      const setByEnv = fromEnv.some((p) => p.length <= path.length && p.every((seg, i) => path[i] === seg));
      return (setByEnv && envNameOf(path, read)) || { where, label: path.length ? formatPath(path) : 'the file' };
    },
  };
}

/**
 * Reads a configuration with several clusters from YAML or JSON text. Errors name the source, the
 * cluster and the field, never a value (values may be secrets).
 */
export function parseConfigFile(text: string, format: ConfigFormat, env: Env, opts: ParseOptions = {}): AppConfig {
  let parsed: unknown;
  try {
    parsed = parseText(text, format);
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    throw new ConfigError(opts.source ? `config file ${printable(opts.source, 200)} ${err.message}` : `the config file ${err.message}`);
  }
  return validate(fileSource(parsed, env, opts));
}

/** The file at `path` as a source; read errors say what went wrong, never what the file holds. */
export function readConfigFile(path: string, env: Env): ConfigSource {
  const full = resolve(expandHome(path));
  const shown = printable(path, 200);
  let text: string;
  try {
    const st = statSync(full);
    if (!st.isFile()) throw new ConfigError(`config file ${shown} cannot be read (not a file)`);
    if (st.size > MAX_FILE_BYTES) throw new ConfigError(`config file ${shown} is larger than ${MAX_FILE_BYTES / 1024} KiB`);
    text = readFileSync(full, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`config file ${shown} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = parseText(text, detectFormat(full, text));
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    throw new ConfigError(`config file ${shown} ${err.message}`);
  }
  return fileSource(parsed, env, { source: path, baseDir: dirname(full) });
}

export async function loadConfigFile(path: string, env: Env): Promise<AppConfig> {
  return validate(readConfigFile(path, env));
}
