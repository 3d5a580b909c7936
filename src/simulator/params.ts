import { paramError } from './errors.js';
import type { ParamValue, Props, PropSchema, WireParams } from './param-types.js';

export type { MayHave, ParamsOf, Props, PropSchema, WireParams } from './param-types.js';

/** Settings a builder passes through; the kind, optionality and values are the builder's own. */
type Extra = Omit<Partial<PropSchema>, 'type' | 'optional' | 'enum' | 'items'>;
/** A schema of a known kind, which is what ParamsOf reads. */
export type Of<T extends PropSchema['type']> = PropSchema & { type: T };

/** Builders that keep the declarations short and give every property PVE's `typetext`. */
export const P = {
  node: (description = 'The cluster node name.'): Of<'string'> => ({
    type: 'string',
    format: 'pve-node',
    description,
    typetext: '<string>',
  }),
  vmid: (description = 'The (unique) ID of the VM.'): Of<'integer'> => ({
    type: 'integer',
    format: 'pve-vmid',
    minimum: 100,
    maximum: 999999999,
    description,
    typetext: '<integer> (100 - 999999999)',
  }),
  storage: (description = 'The storage identifier.'): Of<'string'> => ({
    type: 'string',
    format: 'pve-storage-id',
    description,
    typetext: '<storage ID>',
  }),
  // An `enum` given here keeps the `<string>` typetext (some PVE declarations have both); the value types as string.
  str: (description: string, extra: Extra & { enum?: readonly string[] } = {}): Of<'string'> => ({
    type: 'string',
    description,
    typetext: '<string>',
    ...extra,
  }),
  int: (description: string, extra: Extra = {}): Of<'integer'> => ({
    type: 'integer',
    description,
    typetext: extra.minimum !== undefined ? `<integer> (${extra.minimum} - ${extra.maximum ?? 'N'})` : '<integer>',
    ...extra,
  }),
  num: (description: string, extra: Extra = {}): Of<'number'> => ({
    type: 'number',
    description,
    typetext: '<number>',
    ...extra,
  }),
  bool: (description: string, extra: Extra = {}): Of<'boolean'> => ({
    type: 'boolean',
    description,
    typetext: '<boolean>',
    ...extra,
  }),
  enum: <const V extends readonly string[]>(description: string, values: V, extra: Extra = {}): Of<'string'> & { enum: V } => ({
    type: 'string',
    description,
    enum: values,
    ...extra,
  }),
  arr: (description: string, item: string): Of<'array'> & { items: Of<'string'> } => ({
    type: 'array',
    description,
    items: { type: 'string', description: item },
    typetext: '<array>',
  }),
};

export function opt<S extends PropSchema>(p: S): S & { optional: 1 } {
  return { ...p, optional: 1 };
}

/** `net[n]` in a declaration stands for `net0`, `net1`, ... on the wire. */
function indexedName(name: string): RegExp | undefined {
  const m = /^(.+)\[n\]$/.exec(name);
  return m ? new RegExp(`^${m[1].replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}(\\d+)$`) : undefined;
}

export function findProp(props: Props, key: string): PropSchema | undefined {
  if (props[key]) return props[key];
  for (const [name, schema] of Object.entries(props)) {
    const re = indexedName(name);
    if (re && re.test(key)) return schema;
  }
  return undefined;
}

const NODE_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const STORAGE_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const CONFIGID_RE = /^[a-z][a-z0-9_-]*$/i;

/** Format checks for the named formats the simulator uses, with PVE's wording. */
function checkFormat(format: string, value: string): string | undefined {
  switch (format) {
    case 'pve-node':
      return NODE_RE.test(value) ? undefined : 'value does not look like a valid node name';
    case 'pve-storage-id':
      return STORAGE_RE.test(value) ? undefined : `storage ID '${value}' contains illegal characters`;
    case 'pve-configid':
      return CONFIGID_RE.test(value) ? undefined : `invalid configuration ID '${value}'`;
    case 'pve-configid-list':
      for (const id of value.split(/[,;\s]+/).filter(Boolean)) {
        if (!CONFIGID_RE.test(id)) return `invalid format - invalid configuration ID '${id}'\n`;
      }
      return undefined;
    case 'pve-volume-id':
      return /^[^:\s]+:.+$/.test(value) ? undefined : `unable to parse volume ID '${value}'`;
    case 'pve-vmid-list':
      for (const id of value.split(/[,;\s]+/).filter(Boolean)) {
        if (!/^\d+$/.test(id) || Number(id) < 100) return `invalid format - value does not look like a valid VM ID\n`;
      }
      return undefined;
    case 'dns-name':
      return /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(value)
        ? undefined
        : 'value does not look like a valid DNS name';
    case 'pve-poolid':
      return /^[A-Za-z0-9_-]+$/.test(value) ? undefined : `invalid pool ID '${value}'`;
    case 'pve-userid':
      return /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/.test(value) ? undefined : 'value does not look like a valid user ID';
    default:
      return undefined;
  }
}

/** Checks `[key=]value,key=value` against its sub-option declarations, with PVE's messages. */
function checkPropertyString(format: Record<string, PropSchema & { default_key?: 1 }>, raw: string): string | undefined {
  const defaultKey = Object.entries(format).find(([, s]) => s.default_key)?.[0];
  const seen = new Set<string>();
  for (const part of raw.split(',')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? defaultKey : part.slice(0, eq);
    const value = eq < 0 ? part : part.slice(eq + 1);
    if (!key) return 'invalid format - value without key, but schema does not define a default key\n';
    const sub = format[key];
    if (!sub) return `invalid format - ${key}: property is not defined in schema and the schema does not allow additional properties\n`;
    if (seen.has(key)) return `invalid format - duplicate key in comma-separated list property: ${key}\n`;
    seen.add(key);
    const r = checkScalar(sub, value);
    if (r.error) return r.error;
  }
  for (const [key, sub] of Object.entries(format)) {
    if (!sub.optional && !seen.has(key)) return `invalid format - ${key}: property is missing and it is not optional\n`;
  }
  return undefined;
}

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

type Checked = { value: string | number; error?: undefined } | { error: string; value?: undefined };

function checkScalar(schema: PropSchema, raw: string): Checked {
  let value: string | number = raw;
  switch (schema.type) {
    case 'integer':
      if (!/^[+-]?\d+$/.test(raw)) return { error: `type check ('integer') failed - got '${raw}'` };
      value = Number(raw);
      break;
    case 'number':
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return { error: `type check ('number') failed - got '${raw}'` };
      value = Number(raw);
      break;
    case 'boolean':
      if (TRUE.test(raw)) value = 1;
      else if (FALSE.test(raw)) value = 0;
      else return { error: `type check ('boolean') failed - got '${raw}'` };
      break;
    case 'string':
      if (schema.maxLength !== undefined && raw.length > schema.maxLength) {
        return { error: `value may only be ${schema.maxLength} characters long` };
      }
      if (schema.minLength !== undefined && raw.length < schema.minLength) {
        return { error: `value must be at least ${schema.minLength} characters long` };
      }
      if (schema.enum && !schema.enum.includes(raw)) {
        return { error: `value '${raw}' does not have a value in the enumeration '${schema.enum.join(', ')}'` };
      }
      if (schema.pattern && !new RegExp(`^${schema.pattern}$`).test(raw)) {
        return { error: `value does not match the regex pattern` };
      }
      if (typeof schema.format === 'string') {
        const err = checkFormat(schema.format, raw);
        if (err) return { error: err };
      } else if (schema.format) {
        const err = checkPropertyString(schema.format, raw);
        if (err) return { error: err };
      }
      break;
  }
  if (typeof value === 'number' && (schema.type === 'integer' || schema.type === 'number')) {
    if (schema.minimum !== undefined && value < schema.minimum) return { error: `value must have a minimum value of ${schema.minimum}` };
    if (schema.maximum !== undefined && value > schema.maximum) return { error: `value must have a maximum value of ${schema.maximum}` };
  }
  return { value };
}

/**
 * Checks wire parameters (all strings, arrays for repeated keys) against a declaration the way PVE's
 * JSONSchema does, and returns them typed. Every problem is collected, then reported at once.
 */
export function validateParams(props: Props, input: Record<string, string | string[]>): WireParams {
  const errors: Record<string, string> = {};
  const out: Record<string, ParamValue> = {};
  for (const [key, rawValue] of Object.entries(input)) {
    const schema = findProp(props, key);
    if (!schema) {
      errors[key] = 'property is not defined in schema and the schema does not allow additional properties';
      continue;
    }
    if (schema.type === 'array') {
      const items = Array.isArray(rawValue) ? rawValue : [rawValue];
      const values: Array<string | number> = [];
      for (const item of items) {
        const r = checkScalar(schema.items ?? { type: 'string' }, item);
        if (r.error !== undefined) errors[key] = r.error;
        else values.push(r.value);
      }
      out[key] = values;
      continue;
    }
    const raw = Array.isArray(rawValue) ? rawValue[0] : rawValue;
    if (raw === '' && schema.optional) continue; // PVE drops empty optional values
    const r = checkScalar(schema, raw);
    if (r.error !== undefined) errors[key] = r.error;
    else out[key] = r.value;
  }
  for (const [name, schema] of Object.entries(props)) {
    if (schema.optional || indexedName(name)) continue;
    if (!(name in input) && !(name in errors)) errors[name] = 'property is missing and it is not optional';
  }
  for (const [name, schema] of Object.entries(props)) {
    if (schema.requires && name in out && !(schema.requires in out)) {
      errors[schema.requires] = `parameter is missing and it is required by '${name}'`;
    }
  }
  if (Object.keys(errors).length) throw paramError(errors);
  return out;
}

/**
 * The given values among `names` (a family's settable fields, copied into its state as they come). Only
 * scalar declarations belong in such a list; an array value there is a declaration mistake, refused.
 */
export function scalarsOf(params: WireParams, names: Iterable<string>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const name of names) {
    const v = params[name];
    if (typeof v === 'object') throw new Error(`'${name}' is declared as an array, not a setting`);
    if (v !== undefined) out[name] = v;
  }
  return out;
}
