import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allOperations } from '../../src/simulator/routes/index.js';
import { buildApiTree } from '../../src/simulator/schema.js';
import { apidocFile, haveShared, needsNote } from '../reference-data.js';

const apidocPath = apidocFile('9.2');

interface RealParam {
  type: string;
  optional?: number;
}
interface RealInfo {
  parameters?: { properties?: Record<string, RealParam> };
  permissions?: { check?: unknown[]; user?: string };
  protected?: number;
}
interface RealNode {
  path: string;
  info?: Record<string, RealInfo>;
  children?: RealNode[];
}

function realOperations(): Map<string, RealInfo> {
  const tree = JSON.parse(readFileSync(apidocPath, 'utf8')) as RealNode[];
  const ops = new Map<string, RealInfo>();
  const walk = (n: RealNode) => {
    for (const [method, info] of Object.entries(n.info ?? {})) ops.set(`${method} ${n.path}`, info);
    n.children?.forEach(walk);
  };
  tree.forEach(walk);
  return ops;
}

describe.skipIf(!haveShared(apidocPath))(`simulated operations match the real PVE 9.2 schema (${needsNote(apidocPath)})`, () => {
  const real = haveShared(apidocPath) ? realOperations() : new Map<string, RealInfo>();
  const ops = allOperations();

  it('declares each operation once', () => {
    const keys = ops.map((o) => `${o.method} ${o.path}`);
    expect(keys.length).toBe(new Set(keys).size);
  });

  for (const o of ops) {
    const key = `${o.method} ${o.path}`;
    it(key, () => {
      const info = real.get(key);
      expect(info, `${key} is not in the 9.2 schema`).toBeDefined();
      const realProps = info!.parameters?.properties ?? {};
      const pathParams = [...o.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [name, schema] of Object.entries(o.parameters)) {
        const r = realProps[name];
        expect(r, `${key}: parameter '${name}' does not exist in PVE 9.2`).toBeDefined();
        expect(schema.type, `${key}: type of '${name}'`).toBe(r.type);
        if (pathParams.includes(name)) {
          expect(Boolean(schema.optional), `${key}: optionality of path parameter '${name}'`).toBe(Boolean(r.optional));
        }
      }
      for (const name of pathParams) expect(o.parameters[name], `${key}: path parameter '${name}' not declared`).toBeDefined();
      // The permission model evaluates these declarations, so they must be PVE's own.
      expect(o.permissions.check, `${key}: permission check`).toEqual(info!.permissions?.check);
      expect(o.permissions.user, `${key}: permission user`).toEqual(info!.permissions?.user);
      expect(Boolean(o.protected), `${key}: protected`).toBe(Boolean(info!.protected));
    });
  }

  it('serves the declarations as an apidoc tree with the real root paths', () => {
    const roots = buildApiTree(ops).map((n) => n.path);
    for (const r of roots) expect(['/cluster', '/nodes', '/storage', '/access', '/pools', '/version']).toContain(r);
  });
});

describe('breadth of the simulated API', () => {
  it("declares at least 450 of PVE 9.2's 675 operations, each once", () => {
    const keys = allOperations().map((o) => `${o.method} ${o.path}`);
    expect(keys.length).toBeGreaterThanOrEqual(450);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('serves the same apidoc on every start (no random or time-dependent declarations)', () => {
    const render = () => JSON.stringify(buildApiTree(allOperations()));
    expect(render()).toBe(render());
  });
});
