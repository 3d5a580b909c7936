import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { defineTool, withClusterChoice } from '../../src/tools/define.js';
import { configFromEnv } from '../../src/config/env.js';
import { allTools, offerTools } from '../../src/tools/registry.js';

const noop = async () => ({ text: '' });

describe('defineTool', () => {
  it('derives the MCP annotations from the kind', () => {
    const input = z.object({});
    const of = (kind: 'read' | 'write' | 'exec', local?: boolean) =>
      defineTool({ name: 't', title: 'T', description: 'd', kind, input, local, run: noop }).annotations;
    expect(of('read')).toEqual({ readOnlyHint: true, destructiveHint: false, openWorldHint: true });
    expect(of('read', true)).toEqual({ readOnlyHint: true, destructiveHint: false, openWorldHint: false });
    expect(of('write')).toEqual({ readOnlyHint: false, destructiveHint: true, openWorldHint: true });
    expect(of('exec')).toEqual({ readOnlyHint: false, destructiveHint: true, openWorldHint: true });
  });

  it('offers the cluster choice only with several clusters, and passes it through to run', async () => {
    let seen: unknown;
    const tool = defineTool({
      name: 't',
      title: 'T',
      description: 'd',
      kind: 'read',
      input: z.object({ a: z.string() }),
      run: async (args) => {
        seen = args;
        return { text: 'ok' };
      },
    });
    expect(Object.keys(tool.input.shape)).toEqual(['a']);
    const offered = withClusterChoice(tool);
    const args = offered.input.parse({ a: 'x', cluster: 'lab', extra: 1 });
    await offered.run(args, {} as never, {} as never);
    expect(seen).toEqual({ a: 'x', cluster: 'lab' });
    expect(offered.input.safeParse({ a: 'x', cluster: 5 }).success).toBe(false);

    const env = { PROXMOX_URL: 'https://127.0.0.1:9', PROXMOX_API_TOKEN: 'a@pve!b=c', SSH_AUTH_SOCK: '/run/agent.sock' };
    const one = configFromEnv(env);
    for (const t of offerTools(one).tools) expect(Object.keys(t.input.shape), t.name).not.toContain('cluster');
    const two = { ...one, clusters: [one.clusters[0], { ...one.clusters[0], name: 'other' }] };
    for (const t of offerTools(two).tools) expect(Object.keys(t.input.shape), t.name).toContain('cluster');
  });
});

describe('the registry', () => {
  it('offers only read tools in read-only mode, by their kind', () => {
    const env = { PROXMOX_URL: 'https://127.0.0.1:9', PROXMOX_API_TOKEN: 'a@pve!b=c', SSH_AUTH_SOCK: '/run/agent.sock' };
    expect(offerTools(configFromEnv({ ...env, PROXMOX_READONLY: 'true' })).tools.map((t) => t.name)).toEqual([
      'proxmox-api-schema',
      'proxmox-api-read',
    ]);
    expect(offerTools(configFromEnv(env)).tools).toEqual(allTools);
    expect(Object.fromEntries(allTools.map((t) => [t.name, t.kind]))).toEqual({
      'proxmox-api-schema': 'read',
      'proxmox-api-read': 'read',
      'proxmox-api': 'write',
      'proxmox-execute-container-command': 'exec',
      'proxmox-execute-vm-command': 'exec',
    });
  });
});
