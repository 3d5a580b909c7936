/**
 * The handlers' parameter types come from their declarations. The type half of this file is checked by tsc
 * (`npm run check` compiles test/): each `@ts-expect-error` fails the build if the line it guards compiles.
 * The runtime half checks that validateParams delivers what those types promise.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RequestContext } from '../../src/simulator/context.js';
import { crudOperations } from '../../src/simulator/crud.js';
import { opt, P, type ParamsOf, validateParams } from '../../src/simulator/params.js';
import { op, taskOp } from '../../src/simulator/schema.js';

const DECL = {
  node: P.node(),
  vmid: P.vmid(),
  force: opt(P.bool('Force.')),
  mode: P.enum('Mode.', ['fast', 'slow']),
  limit: opt(P.num('Limit.')),
  'net[n]': opt(P.str('Network device.')),
  keys: opt(P.arr('Keys.', 'A key.')),
};

describe('ParamsOf: a declaration as the handler sees it', () => {
  it('maps each kind to what the checker delivers', () => {
    type T = ParamsOf<typeof DECL>;
    expectTypeOf<T['node']>().toEqualTypeOf<string>();
    expectTypeOf<T['vmid']>().toEqualTypeOf<number>();
    expectTypeOf<T['force']>().toEqualTypeOf<0 | 1 | undefined>();
    expectTypeOf<T['mode']>().toEqualTypeOf<'fast' | 'slow'>();
    expectTypeOf<T['limit']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<T['net0']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<T['keys']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<keyof T>().not.toEqualTypeOf<string>();
  });

  it('merges per-type branches: a name only some branches declare is optional', () => {
    const qemu = Math.random() < 2;
    const _decl = { ...DECL, ...(qemu ? { skiplock: opt(P.bool('Skip.')), disk: P.str('Disk.') } : { disk: P.str('Volume.') }) };
    type T = ParamsOf<typeof _decl>;
    expectTypeOf<T['disk']>().toEqualTypeOf<string>();
    expectTypeOf<T['skiplock']>().toEqualTypeOf<0 | 1 | undefined>();
  });

  it('gives op and taskOp handlers exactly the declared names', () => {
    op({
      method: 'GET',
      path: '/nodes/{node}/qemu/{vmid}/x',
      name: 'x',
      description: '',
      parameters: DECL,
      returns: {},
      permissions: {},
      handler: (ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<RequestContext<ParamsOf<typeof DECL>>>();
        // @ts-expect-error a handler cannot read a parameter its declaration does not have
        void ctx.params.digest;
        // @ts-expect-error an integer parameter is a number, not a string
        const vmid: string = ctx.params.vmid;
        // @ts-expect-error an optional parameter may be absent
        const force: 0 | 1 = ctx.params.force;
        // @ts-expect-error an enum parameter holds only its values
        const mode: 'medium' = ctx.params.mode;
        return [vmid, force, mode];
      },
    });
    taskOp({
      method: 'POST',
      path: '/nodes/{node}/y',
      name: 'y',
      description: '',
      parameters: { node: P.node() },
      permissions: {},
      handler: (ctx) => {
        // @ts-expect-error a task without `vmid` in its declaration has none
        return String(ctx.params.vmid);
      },
    });
    op({
      method: 'GET',
      path: '/z',
      name: 'z',
      description: '',
      returns: {},
      permissions: {},
      // @ts-expect-error no declaration, no parameters
      handler: (ctx) => ctx.params.node,
    });
  });

  it("types a CRUD family's scope for its hooks", () => {
    crudOperations({
      base: '/nodes/{node}/things',
      key: 'id',
      keySchema: P.str('Id.'),
      scope: { node: P.node() },
      fields: {},
      noun: 'thing',
      names: { list: 'index' },
      perms: {},
      hooks: {
        visible: (ctx) => {
          expectTypeOf(ctx.params.node).toEqualTypeOf<string>();
          // @ts-expect-error the node is a string, not a number
          const n: number = ctx.params.node;
          return n > 0;
        },
      },
    });
  });
});

describe('validateParams delivers what ParamsOf promises', () => {
  it('integers and numbers as numbers, booleans as 0/1, enums and strings as given, arrays as lists', () => {
    const out = validateParams(DECL, {
      node: 'pve1',
      vmid: '100',
      force: 'true',
      mode: 'slow',
      limit: '1.5',
      net0: 'virtio,bridge=vmbr0',
      keys: ['a', 'b'],
    });
    expect(out).toEqual({ node: 'pve1', vmid: 100, force: 1, mode: 'slow', limit: 1.5, net0: 'virtio,bridge=vmbr0', keys: ['a', 'b'] });
    expect(validateParams(DECL, { node: 'pve1', vmid: '100', mode: 'fast', force: 'off' }).force).toBe(0);
  });

  it('refuses what the types rule out: a word for an integer, a value outside the enum, an undeclared name', () => {
    expect(() => validateParams(DECL, { node: 'pve1', vmid: 'abc', mode: 'fast' })).toThrow(/Parameter verification failed/);
    expect(() => validateParams(DECL, { node: 'pve1', vmid: '100', mode: 'medium' })).toThrow(/Parameter verification failed/);
    expect(() => validateParams(DECL, { node: 'pve1', vmid: '100', mode: 'fast', digest: 'x' })).toThrow(/Parameter verification failed/);
    expect(() => validateParams(DECL, { node: 'pve1', vmid: '100', mode: 'fast', keys: ['a'], force: 'maybe' })).toThrow(
      /Parameter verification failed/,
    );
  });
});
