import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDiff, diffConfig } from '../../src/safety/config-diff.js';
import { DigestMemory } from '../../src/safety/digests.js';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { apiTool } from '../../src/tools/api.js';
import { apiReadTool } from '../../src/tools/api-read.js';
import type { ToolCall } from '../../src/tools/types.js';
import { callTool, noCall, recordingRuntime, tokenOf } from './sim-runtime.js';

type Config = Record<string, unknown>;

describe('config diffs and undo (unit)', () => {
  const current = { memory: '2048', cores: 2, tags: 'db;prod', net0: 'virtio=AA:BB,bridge=vmbr0', cipassword: 'x', digest: 'abc' };
  it('shows old → new, removed keys with their values, and the exact call that undoes it', () => {
    const diff = diffConfig(
      current,
      { memory: 4096, cores: 2, description: 'hi', delete: 'tags,net0 nosuchkey', digest: 'abc', node: 'pve1' },
      ['node'],
    );
    expect(diff.changes).toEqual([
      { key: 'memory', old: '2048', new: '4096' },
      { key: 'description', old: undefined, new: 'hi' },
      { key: 'tags', old: 'db;prod' },
      { key: 'net0', old: 'virtio=AA:BB,bridge=vmbr0' },
    ]);
    expect(diff.undo).toEqual({ memory: '2048', tags: 'db;prod', net0: 'virtio=AA:BB,bridge=vmbr0', delete: 'description' });
    expect(describeDiff(diff, { tool: 'proxmox-api', method: 'PUT', path: '/nodes/pve1/qemu/1/config' }).split('\n')).toEqual([
      'changes (values read just before):',
      '  memory: 2048 → 4096',
      '  description: (unset) → hi',
      '  tags: removed (was db;prod)',
      '  net0: removed (was virtio=AA:BB,bridge=vmbr0)',
      'undo: proxmox-api method=PUT path=/nodes/pve1/qemu/1/config params={"memory":"2048","tags":"db;prod","net0":"virtio=AA:BB,bridge=vmbr0","delete":"description"}',
    ]);
  });
  it('never shows or restores secrets, accepts delete as a list, and says when nothing changes', () => {
    const diff = diffConfig(current, { cipassword: 'new-secret', delete: ['tags'] });
    const text = describeDiff(diff, { tool: 't', method: 'PUT', path: '/p' });
    expect(text).toContain('cipassword: *** → ***');
    expect(text).not.toContain('new-secret');
    expect(diff.undo).toEqual({ tags: 'db;prod' });
    expect(diff.notRestorable).toEqual(['cipassword']);
    expect(describeDiff(diffConfig(current, { memory: '2048' }), { tool: 't', method: 'PUT', path: '/p' })).toMatch(/changes: none/);
    expect(diffConfig({ ...current }, { __proto__: 'x', constructor: 'y' } as Config).changes.map((c) => c.key)).toEqual(['constructor']);
    const long = describeDiff(diffConfig({}, { description: 'a\n\n\tb '.repeat(500) }), { tool: 't', method: 'PUT', path: '/p' });
    expect(long.length).toBeLessThan(600);
  });
});

describe('config edits against the simulator: diff, undo, digest', () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, taskDurationMs: 50 });
  });
  afterAll(async () => sim?.close());

  const cfgPath = '/nodes/pve1/qemu/101/config';
  async function readConfig(rt: Parameters<typeof callTool>[1], call: ToolCall = noCall): Promise<Config> {
    const out = await callTool(apiReadTool, rt, { path: cfgPath }, call);
    return out.structured?.data as Config;
  }
  const withoutDigest = (c: Config) => Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'digest'));

  it('answers a config write with key: old → new, removed keys, and an undo call that restores the config exactly', async () => {
    const { rt, sent } = recordingRuntime(sim, { PROXMOX_CONFIRM: 'off' });
    try {
      const before = await readConfig(rt);
      const removable = ['tags', 'onboot', 'description'].find((k) => before[k] !== undefined)!;
      expect(removable).toBeTruthy();
      const out = await callTool(apiTool, rt, {
        path: cfgPath,
        method: 'PUT',
        params: { memory: Number(before.memory) * 2, name: 'renamed', delete: removable },
      });
      expect(out.isError).toBeFalsy();
      expect(out.text).toContain(`  memory: ${before.memory} → ${Number(before.memory) * 2}`);
      expect(out.text).toContain(`  name: ${before.name} → renamed`);
      expect(out.text).toContain(`  ${removable}: removed (was ${before[removable]})`);
      const undoLine = out.text.split('\n').find((l) => l.startsWith('undo: '))!;
      const m = /^undo: proxmox-api method=(\w+) path=(\S+) params=(\{.*\})$/.exec(undoLine)!;
      expect(m).toBeTruthy();
      // The write carried the digest of the config it replaced.
      const put = sent.find((s) => s.method === 'PUT')!;
      expect(put.params?.digest).toBe(before.digest);
      const undone = await callTool(apiTool, rt, { path: m[2], method: m[1], params: JSON.parse(m[3]) });
      expect(undone.isError).toBeFalsy();
      expect(withoutDigest(await readConfig(rt))).toEqual(withoutDigest(before));
    } finally {
      rt.close();
    }
  });

  it('the confirmation preview of a destructive config write shows what it replaces', async () => {
    const { rt } = recordingRuntime(sim, { PROXMOX_CONFIRM: 'param' });
    try {
      const cfg = await readConfig(rt);
      const disk =
        Object.keys(cfg).find((k) => /^(scsi|virtio|sata)[1-9]\d*$/.test(k)) ??
        Object.keys(cfg).find((k) => /^(scsi|virtio|sata)\d+$/.test(k))!;
      await callTool(apiTool, rt, { path: cfgPath, method: 'PUT', params: { delete: disk } }); // detached: now unusedN
      const after = await readConfig(rt);
      const unused = Object.keys(after).find((k) => /^unused\d+$/.test(k));
      expect(unused, JSON.stringify(after)).toBeTruthy();
      const preview = await callTool(apiTool, rt, { path: cfgPath, method: 'PUT', params: { delete: unused } });
      expect(preview.text).toMatch(/^NOT RUN/);
      expect(preview.text).toContain(
        `This destroys disk volumes.\nchanges (values read just before):\n  ${unused}: removed (was ${after[unused!]})`,
      );
      expect(preview.text.split('\n').at(-1)).toMatch(/^confirm: "/);
      const ran = await callTool(apiTool, rt, { path: cfgPath, method: 'PUT', params: { delete: unused }, confirm: tokenOf(preview) });
      expect(ran.isError).toBeFalsy();
      expect(ran.text).toContain(`  ${unused}: removed`);
    } finally {
      rt.close();
    }
  });

  it("a session's edit carries the digest it read: a change made meanwhile is refused by Proxmox and explained", async () => {
    const { rt, sent } = recordingRuntime(sim, { PROXMOX_CONFIRM: 'off' });
    const other = recordingRuntime(sim, { PROXMOX_CONFIRM: 'off' });
    const session: ToolCall = { ...noCall, digests: new DigestMemory() };
    try {
      const read = await callTool(apiReadTool, rt, { path: cfgPath, fields: ['name'] }, session);
      const seen = (read.structured?.notes as string[]).find((n) => n.startsWith('digest '))!;
      expect(seen).toMatch(/^digest [0-9a-f]+: an edit of this config through proxmox-api carries it/);
      await callTool(apiTool, other.rt, { path: cfgPath, method: 'PUT', params: { description: 'changed by someone else' } });
      const stale = await callTool(apiTool, rt, { path: cfgPath, method: 'PUT', params: { cores: 3 } }, session);
      expect(stale.isError).toBe(true);
      expect(stale.text).toMatch(/detected modified configuration/);
      expect(stale.text).toMatch(
        /the config changed since you read it \(this edit carried digest [0-9a-f]+, when you read it\)\. Nothing was changed\. Read it again/,
      );
      expect(sent.filter((s) => s.method === 'PUT').at(-1)?.params?.digest).toBe(seen.split(' ')[1].replace(':', ''));
      expect((await readConfig(other.rt)).cores).not.toBe(3);
      // Read again, and the edit goes through.
      await readConfig(rt, session);
      expect((await callTool(apiTool, rt, { path: cfgPath, method: 'PUT', params: { cores: 3 } }, session)).isError).toBeFalsy();
    } finally {
      rt.close();
      other.rt.close();
    }
  });

  it('without a session (stateless HTTP) the read names the digest to pass back, and a stale one given is explained', async () => {
    const { rt } = recordingRuntime(sim, { PROXMOX_CONFIRM: 'off' });
    try {
      const read = await callTool(apiReadTool, rt, { path: cfgPath, fields: ['name'] });
      const note = (read.structured?.notes as string[]).find((n) => n.startsWith('digest '))!;
      expect(note).toMatch(/^digest ([0-9a-f]+): pass it as params\.digest when you edit this config/);
      const digest = /^digest ([0-9a-f]+)/.exec(note)![1];
      await callTool(apiTool, rt, { path: cfgPath, method: 'PUT', params: { description: 'moved on' } });
      const stale = await callTool(apiTool, rt, { path: cfgPath, method: 'PUT', params: { cores: 5, digest } });
      expect(stale.text).toMatch(/changed since you read it \(this edit carried digest [0-9a-f]+, given in params\)/);
    } finally {
      rt.close();
    }
  });
});
