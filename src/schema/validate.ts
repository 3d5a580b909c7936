import { clip } from '../output/budget.js';
import type { Operation, ParamSpec } from './catalog.js';
import { matchSchemaPattern } from './schema-regex.js';
import { closestNames } from './similar.js';

export interface ValidationResult {
  ok: boolean;
  errors: string[];
  /** Wire-ready: booleans as "1"/"0", numbers as strings, arrays as repeated keys. */
  params: Record<string, string | string[]>;
  /** Parameters whose schema pattern this server cannot check (the node checks them). */
  unchecked: string[];
}

/** Longest parameter value accepted (characters); PVE's own longest values (file-write content) are below it. */
export const MAX_PARAM_VALUE_CHARS = 65_536;
/** Most parameters (or list items) in one call. */
export const MAX_PARAMS = 1_000;

/**
 * C0 controls other than tab, newline and carriage return, DEL and the C1 controls. PVE reads a NUL in a
 * list as the separator (PVE::Tools::split_list), and none of these belongs in a value a human approves.
 */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Half of a surrogate pair: not a character, and silently replaced by U+FFFD when encoded. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Every C0 and C1 control, tab and line breaks included: none belongs in a path. */
const CONTROL_IN_PATH = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * `U+0000 at character 6`: where the first control character is, without echoing it. Values may hold
 * tabs and line breaks (a description, a note); path segments (`inPath`) may not.
 */
export function controlCharProblem(text: string, opts: { inPath?: boolean } = {}): string | undefined {
  const lone = LONE_SURROGATE.exec(text);
  if (lone) return `holds a lone UTF-16 surrogate at character ${lone.index + 1} (not valid Unicode)`;
  const m = (opts.inPath ? CONTROL_IN_PATH : CONTROL).exec(text);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `holds the control character U+${code} at character ${m.index + 1}`;
}

/**
 * For calls without a schema: no value or name may hold a control character or exceed the length limit,
 * since nothing here can tell whether the operation allows it.
 */
export function checkRawParams(params: Record<string, unknown> | undefined): string[] {
  const errors: string[] = [];
  const entries = Object.entries(params ?? {});
  if (entries.length > MAX_PARAMS) return [`at most ${MAX_PARAMS} parameters in one call, got ${entries.length}`];
  for (const [key, value] of entries) {
    const keyProblem = controlCharProblem(key);
    if (keyProblem) errors.push(`parameter name ${JSON.stringify(clip(key, 40))} ${keyProblem}`);
    const values = Array.isArray(value) ? value : [value];
    if (values.length > MAX_PARAMS) errors.push(`'${clip(key)}' has ${values.length} items; at most ${MAX_PARAMS}`);
    for (const v of values.slice(0, MAX_PARAMS)) {
      if (typeof v !== 'string') continue;
      const problem = valueProblem(v);
      if (problem) errors.push(`'${clip(key)}' ${problem}`);
    }
  }
  return errors;
}

function valueProblem(text: string): string | undefined {
  if (text.length > MAX_PARAM_VALUE_CHARS) return `is ${text.length} characters; values are limited to ${MAX_PARAM_VALUE_CHARS}`;
  const control = controlCharProblem(text);
  return control ? `${control}; control characters are refused unless the schema's pattern allows them` : undefined;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);
const INDEX = /^(.*?)(0|[1-9]\d*)$/;

/** Checks body/query parameters against an operation's schema and converts them to what PVE expects on the wire. */
export function validateParams(op: Operation, params: Record<string, unknown> | undefined): ValidationResult {
  const errors: string[] = [];
  const out: Record<string, string | string[]> = {};
  const byName = new Map(op.params.map((p) => [p.name, p]));
  const given = new Set<string>();

  const unchecked: string[] = [];

  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    return { ok: false, errors: ['parameters must be an object of name: value'], params: {}, unchecked };
  }
  const entries = Object.entries(params ?? {});
  if (entries.length > MAX_PARAMS) {
    return { ok: false, errors: [`at most ${MAX_PARAMS} parameters in one call, got ${entries.length}`], params: {}, unchecked };
  }

  for (const [key, value] of entries) {
    if (value === undefined || value === null) continue;
    if (op.pathParams.includes(key)) {
      errors.push(`'${clip(key)}' is a path parameter: put it in the path (${op.path})`);
      continue;
    }
    const spec = byName.get(key) ?? indexedSpec(op, key, errors);
    if (spec === null) continue; // indexedSpec already reported the problem
    if (!spec) {
      if (op.additionalParams) {
        const raw = Array.isArray(value) ? value.map(String) : String(value);
        const problems = checkRawParams({ [key]: raw });
        if (problems.length) errors.push(...problems);
        else out[key] = raw;
        continue;
      }
      errors.push(unknownParameter(op, key));
      continue;
    }
    given.add(spec.name);
    const converted = convert(key, value, spec, errors, unchecked);
    if (converted !== undefined) out[key] = converted;
  }

  for (const spec of op.params) {
    if (!spec.optional && !spec.indexed && !given.has(spec.name)) errors.push(`missing required parameter '${spec.name}'`);
    if (spec.requires && given.has(spec.name) && !given.has(spec.requires) && !op.pathParams.includes(spec.requires)) {
      errors.push(`'${spec.name}' requires '${spec.requires}' as well`);
    }
  }
  return { ok: errors.length === 0, errors, params: errors.length ? {} : out, unchecked };
}

/** `net3` -> the `net[n]` spec; null when the family exists but the index is out of the stated range. */
function indexedSpec(op: Operation, key: string, errors: string[]): ParamSpec | null | undefined {
  const m = INDEX.exec(key);
  if (!m || !m[1]) return undefined;
  const spec = op.params.find((p) => p.indexed && p.name === `${m[1]}[n]`);
  if (!spec) return undefined;
  if (spec.maxIndex !== undefined && Number(m[2]) > spec.maxIndex) {
    errors.push(`'${key}': ${spec.name} goes from ${m[1]}0 to ${m[1]}${spec.maxIndex}`);
    return null;
  }
  return spec;
}

function unknownParameter(op: Operation, key: string): string {
  const names = op.params.map((p) => (p.indexed ? p.name.replace('[n]', '0') : p.name));
  const near = closestNames(key, names, 3);
  if (near.length) return `unknown parameter '${clip(key)}'; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?`;
  if (names.length === 0) return `unknown parameter '${clip(key)}': ${op.method} ${op.path} takes no parameters`;
  const shown = [...op.params.filter((p) => !p.optional), ...op.params.filter((p) => p.optional)].slice(0, 8).map((p) => p.name);
  const more = op.params.length > shown.length ? `, ... (${op.params.length} in all)` : '';
  return `unknown parameter '${clip(key)}'; valid: ${shown.join(', ')}${more}`;
}

function convert(key: string, value: unknown, spec: ParamSpec, errors: string[], unchecked: string[]): string | string[] | undefined {
  if (spec.type === 'array') {
    const list = Array.isArray(value) ? value : [value];
    if (list.length > MAX_PARAMS) {
      errors.push(`'${key}' has ${list.length} items; at most ${MAX_PARAMS}`);
      return undefined;
    }
    const out: string[] = [];
    const item = spec.items ?? { ...spec, type: 'string', indexed: false };
    list.forEach((v, i) => {
      const one = convertScalar(`${key}[${i}]`, v, item, errors, unchecked);
      if (one !== undefined) out.push(one);
    });
    return out;
  }
  if (Array.isArray(value)) {
    errors.push(`'${key}' takes one ${spec.type}, not a list`);
    return undefined;
  }
  return convertScalar(key, value, spec, errors, unchecked);
}

function convertScalar(key: string, value: unknown, spec: ParamSpec, errors: string[], unchecked: string[]): string | undefined {
  const problems: string[] = [];
  const result = scalar(key, value, spec, problems, unchecked);
  errors.push(...problems);
  return problems.length ? undefined : result;
}

function scalar(key: string, value: unknown, spec: ParamSpec, errors: string[], unchecked: string[]): string | undefined {
  const shown = shownValue(value);
  switch (spec.type) {
    case 'boolean': {
      const v = String(value).trim().toLowerCase();
      if ((typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') && (TRUE.has(v) || FALSE.has(v))) {
        return TRUE.has(v) ? '1' : '0';
      }
      errors.push(`'${key}' must be a boolean (true/false or 1/0), got ${shown}`);
      return undefined;
    }
    case 'integer':
    case 'number': {
      const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
      const ok = text !== undefined && (spec.type === 'integer' ? /^[-+]?\d+$/.test(text) : text !== '' && Number.isFinite(Number(text)));
      if (!ok) {
        errors.push(`'${key}' must be ${spec.type === 'integer' ? 'an integer' : 'a number'}, got ${shown}`);
        return undefined;
      }
      const n = Number(text);
      if (spec.minimum !== undefined && n < spec.minimum) errors.push(`'${key}' must be >= ${spec.minimum}, got ${text}`);
      else if (spec.maximum !== undefined && n > spec.maximum) errors.push(`'${key}' must be <= ${spec.maximum}, got ${text}`);
      else if (spec.enum && !spec.enum.includes(String(n))) errors.push(`'${key}' must be one of ${spec.enum.join('|')}, got ${text}`);
      return text.replace(/^\+/, '');
    }
    default:
      return stringValue(key, value, spec, errors, shown, unchecked);
  }
}

/** A value quoted in an error: short, and never a huge or nested structure serialised whole. */
function shownValue(value: unknown): string {
  if (typeof value === 'string') return clip(JSON.stringify(value.slice(0, 60)), 62);
  if (value !== null && typeof value === 'object') return Array.isArray(value) ? 'a list' : 'an object';
  return String(value).slice(0, 40);
}

function stringValue(
  key: string,
  value: unknown,
  spec: ParamSpec,
  errors: string[],
  shown: string,
  unchecked: string[],
): string | undefined {
  const sub = typeof spec.format === 'object' ? spec.format : undefined;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (sub && typeof value === 'object' && value !== null && !Array.isArray(value))
    text = propertyString(value as Record<string, unknown>);
  else {
    errors.push(`'${key}' must be a string${sub ? ` like ${spec.typetext ?? 'key=value,...'}` : ''}, got ${shown}`);
    return undefined;
  }
  if (text.length > MAX_PARAM_VALUE_CHARS) {
    errors.push(`'${key}' is ${text.length} characters; values are limited to ${MAX_PARAM_VALUE_CHARS}`);
    return undefined;
  }
  const verdict = spec.pattern ? matchSchemaPattern(spec.pattern, text) : undefined;
  const control = controlCharProblem(text);
  if (control && verdict !== 'match') {
    errors.push(`'${key}' ${control}; control characters are refused unless the schema's pattern allows them`);
    return undefined;
  }
  if (verdict === 'unchecked') unchecked.push(key);
  if (spec.enum && !spec.enum.includes(text)) {
    errors.push(`'${key}' must be one of ${spec.enum.join('|')}, got ${JSON.stringify(text).slice(0, 40)}`);
  } else if (spec.minLength !== undefined && text.length < spec.minLength) {
    errors.push(`'${key}' must be at least ${spec.minLength} characters`);
  } else if (spec.maxLength !== undefined && text.length > spec.maxLength) {
    errors.push(`'${key}' must be at most ${spec.maxLength} characters, got ${text.length}`);
  } else if (verdict === 'mismatch') {
    errors.push(`'${key}' does not match the pattern ${clip(spec.pattern ?? '', 200)}`);
  } else if (sub) {
    errors.push(...checkSubKeys(key, text, sub));
  }
  return text;
}

/** `{model: 'virtio', bridge: 'vmbr0', firewall: true}` -> `model=virtio,bridge=vmbr0,firewall=1` */
function propertyString(obj: Record<string, unknown>): string {
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 1 : 0) : Array.isArray(v) ? v.join(';') : String(v)}`)
    .join(',');
}

/**
 * Looks at `key=value` parts only: a part without `=` is the default key's value (or a value holding a comma),
 * so valid PVE input is never rejected for it.
 */
function checkSubKeys(key: string, text: string, sub: Record<string, ParamSpec>): string[] {
  const errors: string[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z][\w-]*)=(.*)$/.exec(part);
    if (!m) continue;
    const [, name, val] = m;
    const spec = Object.hasOwn(sub, name) ? sub[name] : undefined;
    if (!spec) {
      const near = closestNames(name, Object.keys(sub), 3);
      errors.push(
        near.length
          ? `'${key}': unknown option '${name}'; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?`
          : `'${key}': unknown option '${name}'; options: ${Object.keys(sub)
              .filter((k) => !sub[k].raw.alias)
              .slice(0, 12)
              .join(', ')}`,
      );
    } else if (spec.enum && !spec.enum.includes(val)) {
      errors.push(`'${key}': option '${name}' must be one of ${spec.enum.join('|')}, got ${JSON.stringify(val).slice(0, 40)}`);
    }
  }
  return errors;
}
