import { clip } from '../output/budget.js';
import type { Operation, ParamSpec } from './catalog.js';
import { closestNames } from './similar.js';

export interface ValidationResult {
  ok: boolean;
  errors: string[];
  /** Wire-ready: booleans as "1"/"0", numbers as strings, arrays as repeated keys. */
  params: Record<string, string | string[]>;
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

  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    return { ok: false, errors: ['parameters must be an object of name: value'], params: {} };
  }

  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    if (op.pathParams.includes(key)) {
      errors.push(`'${clip(key)}' is a path parameter: put it in the path (${op.path})`);
      continue;
    }
    const spec = byName.get(key) ?? indexedSpec(op, key, errors);
    if (spec === null) continue; // indexedSpec already reported the problem
    if (!spec) {
      if (op.additionalParams) {
        out[key] = Array.isArray(value) ? value.map(String) : String(value);
        continue;
      }
      errors.push(unknownParameter(op, key));
      continue;
    }
    given.add(spec.name);
    const converted = convert(key, value, spec, errors);
    if (converted !== undefined) out[key] = converted;
  }

  for (const spec of op.params) {
    if (!spec.optional && !spec.indexed && !given.has(spec.name)) errors.push(`missing required parameter '${spec.name}'`);
    if (spec.requires && given.has(spec.name) && !given.has(spec.requires) && !op.pathParams.includes(spec.requires)) {
      errors.push(`'${spec.name}' requires '${spec.requires}' as well`);
    }
  }
  return { ok: errors.length === 0, errors, params: errors.length ? {} : out };
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

function convert(key: string, value: unknown, spec: ParamSpec, errors: string[]): string | string[] | undefined {
  if (spec.type === 'array') {
    const list = Array.isArray(value) ? value : [value];
    const out: string[] = [];
    const item = spec.items ?? { ...spec, type: 'string', indexed: false };
    list.forEach((v, i) => {
      const one = convertScalar(`${key}[${i}]`, v, item, errors);
      if (one !== undefined) out.push(one);
    });
    return out;
  }
  if (Array.isArray(value)) {
    errors.push(`'${key}' takes one ${spec.type}, not a list`);
    return undefined;
  }
  return convertScalar(key, value, spec, errors);
}

function convertScalar(key: string, value: unknown, spec: ParamSpec, errors: string[]): string | undefined {
  const problems: string[] = [];
  const result = scalar(key, value, spec, problems);
  errors.push(...problems);
  return problems.length ? undefined : result;
}

function scalar(key: string, value: unknown, spec: ParamSpec, errors: string[]): string | undefined {
  const shown = JSON.stringify(value)?.slice(0, 40) ?? String(value);
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
      return stringValue(key, value, spec, errors, shown);
  }
}

function stringValue(key: string, value: unknown, spec: ParamSpec, errors: string[], shown: string): string | undefined {
  const sub = typeof spec.format === 'object' ? spec.format : undefined;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (sub && typeof value === 'object' && value !== null && !Array.isArray(value)) text = propertyString(value as Record<string, unknown>);
  else {
    errors.push(`'${key}' must be a string${sub ? ` like ${spec.typetext ?? 'key=value,...'}` : ''}, got ${shown}`);
    return undefined;
  }
  if (spec.enum && !spec.enum.includes(text)) {
    errors.push(`'${key}' must be one of ${spec.enum.join('|')}, got ${JSON.stringify(text).slice(0, 40)}`);
  } else if (spec.minLength !== undefined && text.length < spec.minLength) {
    errors.push(`'${key}' must be at least ${spec.minLength} characters`);
  } else if (spec.maxLength !== undefined && text.length > spec.maxLength) {
    errors.push(`'${key}' must be at most ${spec.maxLength} characters, got ${text.length}`);
  } else if (spec.pattern && !matchesPattern(spec.pattern, text)) {
    errors.push(`'${key}' does not match the pattern ${spec.pattern}`);
  } else if (sub) {
    errors.push(...checkSubKeys(key, text, sub));
  }
  return text;
}

/** PVE anchors its (Perl) patterns; one JavaScript cannot compile is not checked rather than guessed at. */
function matchesPattern(pattern: string, text: string): boolean {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`);
  } catch {
    return true;
  }
  return re.test(text);
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
    const spec = sub[name];
    if (!spec) {
      const near = closestNames(name, Object.keys(sub), 3);
      errors.push(
        near.length
          ? `'${key}': unknown option '${name}'; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?`
          : `'${key}': unknown option '${name}'; options: ${Object.keys(sub).filter((k) => !sub[k].raw.alias).slice(0, 12).join(', ')}`,
      );
    } else if (spec.enum && !spec.enum.includes(val)) {
      errors.push(`'${key}': option '${name}' must be one of ${spec.enum.join('|')}, got ${JSON.stringify(val).slice(0, 40)}`);
    }
  }
  return errors;
}
