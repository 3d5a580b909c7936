import { paramError } from './errors.js';

/** One parameter, in PVE's apidoc format (the subset the simulator declares). */
export interface PropSchema {
  type: 'string' | 'integer' | 'boolean' | 'number' | 'array' | 'object' | 'null';
  description?: string;
  optional?: 1;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** A named format, or the sub-options of a `key=value,...` property string. */
  format?: string | Readonly<Record<string, PropSchema & { default_key?: 1 }>>;
  default?: unknown;
  typetext?: string;
  items?: PropSchema;
  requires?: string;
}

export type Props = Readonly<Record<string, PropSchema>>;

/** What the checker delivers for any declared parameter (see checkScalar): booleans as 0/1, like PVE. */
export type ParamValue = string | number | ReadonlyArray<string | number>;

/** The checked parameters when nothing more is known of their declarations (generic code, the server). */
export type WireParams = Readonly<Record<string, ParamValue | undefined>>;

/** The value checkScalar delivers for one schema: integers and numbers as numbers, booleans as 0/1, the rest as strings. */
type ScalarOf<S extends PropSchema, T = S['type']> = T extends 'integer' | 'number'
  ? number
  : T extends 'boolean'
    ? 0 | 1
    : S extends { enum: readonly (infer E extends string)[] }
      ? E
      : string;

/** A declared parameter's type as the handler receives it; arrays hold checked items (strings by default). */
export type ValueOf<S extends PropSchema> = S extends { type: 'array' }
  ? ReadonlyArray<S extends { items: infer I extends PropSchema } ? ScalarOf<I> : string>
  : S['type'] extends 'array'
    ? ParamValue
    : ScalarOf<S>;

type Indexed<K> = K extends `${infer Base}[n]` ? `${Base}${number}` : never;
/** A plain declared name: not `name[n]`, and not the `string` of an index signature. */
type Named<K> = string extends K ? never : K extends `${string}[n]` ? never : K extends string ? K : never;
type Flat<T> = { [K in keyof T]: T[K] } & {};

/** Whether a declared name may be absent: declared optional, or spread in from only some branches (`...(c ? X : {})`). */
type MayLack<S> = undefined extends S ? true : S extends { optional: 1 } ? true : false;

/** One declaration's view; ParamsOf below also merges the members of a union of declarations. */
type ParamsOfOne<Ps extends Props> = Flat<
  { readonly [K in keyof Ps as MayLack<Ps[K]> extends true ? never : Named<K>]: ValueOf<NonNullable<Ps[K]>> } & {
    readonly [K in keyof Ps as MayLack<Ps[K]> extends true ? Named<K> : never]?: ValueOf<NonNullable<Ps[K]>>;
  } & { readonly [K in keyof Ps as Indexed<K>]?: ValueOf<NonNullable<Ps[K]>> } & (string extends keyof Ps ? WireParams : unknown)
>;

/**
 * For helpers that read a parameter only some of their callers declare: the others pass their context too
 * (a declaration without the name simply never has it), and other names read as `unknown`, never as values.
 */
export type MayHave<T> = T & Readonly<Record<string, unknown>>;

type AnyKey<U> = U extends unknown ? keyof U : never;
type ValueAt<U, K> = U extends unknown ? (K extends keyof U ? U[K] : undefined) : never;
/** Whether every member of U has K, and not as an optional name. */
type InAll<U, K> = [U extends unknown ? (Record<never, never> extends Pick<U, K & keyof U> ? false : true) : never] extends [true]
  ? true
  : false;
type Merged<U> = Flat<
  { readonly [K in AnyKey<U>]?: ValueAt<U, K> } & { readonly [K in AnyKey<U> as InAll<U, K> extends true ? K : never]: ValueAt<U, K> }
>;

/**
 * The handler's view of a declaration: each declared name with its checked type, `?` where optional,
 * `net[n]` as `net0`, `net1`, ... Only declared names exist, so reading an undeclared one does not compile.
 * Where one handler serves declarations that differ (a VM's and a container's), a name some of them lack
 * is optional. Where a declaration is a plain `Props` (names not known to the compiler), its names read
 * as the wire's own index type.
 */
export type ParamsOf<Ps extends Props> = Merged<Ps extends unknown ? ParamsOfOne<Ps> : never>;

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
