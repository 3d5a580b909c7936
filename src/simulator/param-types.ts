/**
 * The types of the simulator's parameter declarations and of what a handler sees of them (ParamsOf). The
 * builders and the checker that delivers these values are in params.ts.
 */

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

/** What the checker (params.ts) delivers for any declared parameter: booleans as 0/1, like PVE. */
export type ParamValue = string | number | ReadonlyArray<string | number>;

/** The checked parameters when nothing more is known of their declarations (generic code, the server). */
export type WireParams = Readonly<Record<string, ParamValue | undefined>>;

/** The value params.ts's checkScalar delivers for one schema: integers and numbers as numbers, booleans as 0/1, the rest as strings. */
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
  : 'array' extends S['type']
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
