/**
 * Hostile paths through proxmox-api-read, with the simulator's schema and without one: what reaches the node
 * (or that nothing does), case by case. The same cases at the path module's level: test/proxmox/path.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDotSegment, splitPath } from '../../src/proxmox/path.js';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { apiReadTool } from '../../src/tools/api-read.js';
import type { Runtime } from '../../src/cluster.js';
import { noCall, recordingRuntime, type Sent } from '../safety/sim-runtime.js';

interface Case {
  name: string;
  args: Record<string, unknown>;
  /** The path sent to the node, or the refusal (nothing sent), with the schema and without. */
  schema: string | RegExp;
  raw: string | RegExp;
}

const CASES: Case[] = [
  { name: 'dot-dot segments', args: { path: '/nodes/pve1/../../access/users' }, schema: /unknown path/, raw: /is not allowed/ },
  { name: 'encoded dot-dot', args: { path: '/nodes/%2e%2e/qemu' }, schema: /"\." or "\.\." segment/, raw: /is not allowed/ },
  {
    name: 'dot-dot as a path parameter',
    args: { path: '/nodes/{node}/qemu', pathParams: { node: '..' } },
    schema: /"\." or "\.\." segment/,
    raw: /"\." or "\.\." segment/,
  },
  {
    name: 'encoded slashes stay in one segment',
    args: { path: '/nodes/pve1%2F..%2F..%2Faccess/qemu' },
    schema: '/nodes/pve1%2F..%2F..%2Faccess/qemu',
    raw: '/nodes/pve1%2F..%2F..%2Faccess/qemu',
  },
  {
    name: 'a slash in a path parameter',
    args: { path: '/nodes/{node}/qemu', pathParams: { node: 'pve1/../../access' } },
    schema: '/nodes/pve1%2F..%2F..%2Faccess/qemu',
    raw: '/nodes/pve1%2F..%2F..%2Faccess/qemu',
  },
  {
    name: 'double encoding is decoded once',
    args: { path: '/nodes/%252e%252e/qemu' },
    schema: '/nodes/%252e%252e/qemu',
    raw: '/nodes/%252e%252e/qemu',
  },
  { name: 'NUL in the path', args: { path: '/nodes/pve1%00/qemu' }, schema: /control character U\+0000/, raw: /control character U\+0000/ },
  {
    name: 'escape character in a path parameter',
    args: { path: '/nodes/{node}/qemu', pathParams: { node: 'pve1\u001b' } },
    schema: /control character U\+001B/,
    raw: /control character U\+001B/,
  },
  {
    name: 'a line break in a path parameter',
    args: { path: '/nodes/{node}/qemu', pathParams: { node: 'pve1\n' } },
    schema: /control character U\+000A/,
    raw: /control character U\+000A/,
  },
  {
    name: 'an encoded tab in the path',
    args: { path: '/nodes/pve1%09/qemu' },
    schema: /control character U\+0009/,
    raw: /control character U\+0009/,
  },
  {
    name: 'a prototype name as a placeholder',
    args: { path: '/nodes/{constructor}/qemu' },
    schema: /missing path parameter node/,
    raw: /missing path parameter 'constructor'/,
  },
  {
    name: 'a prototype name as a value',
    args: { path: '/nodes/{node}/qemu', pathParams: { node: 'constructor' } },
    schema: '/nodes/constructor/qemu',
    raw: '/nodes/constructor/qemu',
  },
  { name: 'malformed escapes', args: { path: '/nodes/%zz/qemu' }, schema: '/nodes/%25zz/qemu', raw: /malformed percent-encoding/ },
];

/** The call's answer, or its error as the MCP server would report it (the node's own errors included). */
async function read(rt: Runtime, args: Record<string, unknown>): Promise<{ isError?: boolean; text: string }> {
  try {
    return await apiReadTool.run(apiReadTool.input.parse(args), rt, noCall);
  } catch (err) {
    return { isError: true, text: (err as Error).message };
  }
}

describe('hostile paths through proxmox-api-read', () => {
  let sim: SimulatorHandle;
  let noSchema: string;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
    noSchema = path.join(mkdtempSync(path.join(tmpdir(), 'pmcp-noschema-')), 'apidoc.js');
    writeFileSync(noSchema, 'const apiSchema = "not a schema";\n');
  });
  afterAll(async () => {
    await sim?.close();
  });

  for (const mode of ['schema', 'raw'] as const) {
    it.each(CASES)(`${mode === 'schema' ? 'with' : 'without'} a schema: $name`, async (c) => {
      const { rt, sent } = recordingRuntime(sim, mode === 'schema' ? {} : { PROXMOX_SCHEMA_FILE: noSchema });
      try {
        await read(rt, { path: '/version' }); // loads the schema (or finds there is none) first
        const before = sent.length;
        const out = await read(rt, c.args);
        const reached: Sent[] = sent.slice(before).filter((s) => !s.path.startsWith('/cluster/status') && s.path !== '/nodes');
        const expected = c[mode];
        if (typeof expected === 'string') {
          expect(reached.map((s) => s.path)).toEqual([expected]);
        } else {
          expect(out.isError).toBe(true);
          expect(out.text).toMatch(expected);
          expect(reached).toEqual([]);
        }
        for (const s of sent) expect(splitPath(s.path).some(isDotSegment), s.path).toBe(false);
      } finally {
        rt.close();
      }
    });
  }

  it('reads prototype names in the query string as plain parameters', async () => {
    const { rt, sent } = recordingRuntime(sim, { PROXMOX_SCHEMA_FILE: noSchema });
    try {
      await read(rt, { path: '/version?constructor=x&__proto__=y&toString=z' });
      const params = sent.find((s) => s.path === '/version')?.params ?? {};
      expect(Object.entries(params)).toEqual([
        ['constructor', 'x'],
        ['__proto__', 'y'],
        ['toString', 'z'],
      ]);
    } finally {
      rt.close();
    }
  });
});
