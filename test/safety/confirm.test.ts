import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfirmTokens, canonicalJson } from '../../src/safety/confirm-token.js';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { apiTool } from '../../src/tools/api.js';
import { vmCommandTool } from '../../src/tools/execute-vm-command.js';
import type { ToolCall } from '../../src/tools/types.js';
import { callTool, noCall, recordingRuntime, tokenOf, type Sent } from './sim-runtime.js';

const KEY = 'k'.repeat(32);
const stop = (vmid: number) => ({ path: `/nodes/pve1/qemu/${vmid}/status/stop`, method: 'POST' });
const writesTo = (sent: Sent[], p: string) => sent.filter((s) => s.method !== 'GET' && s.path === p).length;

describe('confirmation tokens bound to the exact call', () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, taskDurationMs: 50 });
  });
  afterAll(async () => sim?.close());

  it('a preview names the call, what it does, and ends with the confirm line; nothing is sent', async () => {
    const { rt, sent } = recordingRuntime(sim);
    try {
      const out = await callTool(apiTool, rt, { ...stop(101), params: { timeout: 30 } });
      expect(out.isError).toBe(true);
      const lines = out.text.split('\n');
      expect(lines[0]).toBe("NOT RUN: this call needs the user's agreement first.");
      expect(out.text).toContain('POST /nodes/pve1/qemu/101/status/stop\n  timeout: 30');
      expect(out.text).toMatch(/This stops the VM at once/);
      expect(lines.at(-1)).toMatch(/^confirm: "[A-Za-z0-9_.-]+"$/);
      expect(out.structured).toMatchObject({
        confirmationRequired: true,
        confirm: tokenOf(out),
        method: 'POST',
        path: '/nodes/pve1/qemu/101/status/stop',
      });
      expect(writesTo(sent, '/nodes/pve1/qemu/101/status/stop')).toBe(0);
    } finally {
      rt.close();
    }
  });

  it('confirm: true alone runs nothing and says the user must agree first', async () => {
    const { rt, sent } = recordingRuntime(sim);
    try {
      const out = await callTool(apiTool, rt, { ...stop(101), confirm: true });
      expect(out.text).toMatch(/^NOT RUN: confirm: true is not enough: the user must see this call and agree to it first\./);
      tokenOf(out);
      expect(sent.filter((s) => s.method !== 'GET')).toEqual([]);
    } finally {
      rt.close();
    }
  });

  it('a token for call A never runs call B (other guest, params, method, tool or cluster key)', async () => {
    const { rt, sent } = recordingRuntime(sim);
    try {
      const tokenA = tokenOf(await callTool(apiTool, rt, stop(101)));
      const variants: Array<Record<string, unknown>> = [
        stop(102),
        { ...stop(101), params: { timeout: 5 } },
        { path: '/nodes/pve1/qemu/101/status/reset', method: 'POST' },
        { path: '/nodes/pve1/qemu/101/snapshot/pre-upgrade', method: 'DELETE' },
      ];
      for (const b of variants) {
        const out = await callTool(apiTool, rt, { ...b, confirm: tokenA });
        expect(out.text).toMatch(
          /^NOT RUN: the confirm token was not accepted: the token was issued for a different call \(proxmox-api: POST \/nodes\/pve1\/qemu\/101\/status\/stop/,
        );
        expect(tokenOf(out)).not.toBe(tokenA); // a fresh preview for the call as given
      }
      const exec = await callTool(vmCommandTool, rt, { node: 'pve1', vmid: 101, command: 'reboot', confirm: tokenA });
      expect(exec.text).toMatch(/^NOT RUN: the confirm token was not accepted/);
      expect(sent.filter((s) => s.method !== 'GET')).toEqual([]);
      // A does still run with its own token, once.
      const ran = await callTool(apiTool, rt, { ...stop(101), confirm: tokenA });
      expect(ran.text).toMatch(/task finished: OK/);
      expect(writesTo(sent, '/nodes/pve1/qemu/101/status/stop')).toBe(1);
    } finally {
      rt.close();
    }
  });

  it('a token is single-use', async () => {
    const { rt, sent } = recordingRuntime(sim);
    try {
      const token = tokenOf(
        await callTool(apiTool, rt, { path: '/nodes/pve1/qemu/100/snapshot', method: 'POST', params: { snapname: 'once' } }).then(
          async () => callTool(apiTool, rt, { path: '/nodes/pve1/qemu/100/snapshot/once', method: 'DELETE' }),
        ),
      );
      expect(
        (await callTool(apiTool, rt, { path: '/nodes/pve1/qemu/100/snapshot/once', method: 'DELETE', confirm: token })).isError,
      ).toBeFalsy();
      const again = await callTool(apiTool, rt, { path: '/nodes/pve1/qemu/100/snapshot/once', method: 'DELETE', confirm: ` ${token} ` });
      expect(again.text).toMatch(/already used/);
      expect(writesTo(sent, '/nodes/pve1/qemu/100/snapshot/once')).toBe(1);
    } finally {
      rt.close();
    }
  });

  it('a token expires after five minutes (clock injected)', async () => {
    const { rt, sent } = recordingRuntime(sim);
    let now = Date.parse('2026-01-01T00:00:00Z');
    rt.confirmations = new ConfirmTokens({ now: () => now });
    try {
      const first = await callTool(apiTool, rt, stop(102));
      expect(first.structured?.expiresAt).toBe('2026-01-01T00:05:00.000Z');
      now += 5 * 60_000 + 1000;
      const late = await callTool(apiTool, rt, { ...stop(102), confirm: tokenOf(first) });
      expect(late.text).toMatch(/^NOT RUN: the confirm token was not accepted: the token has expired/);
      // Just inside the window it runs.
      const fresh = tokenOf(late);
      now += 4 * 60_000 + 59_000;
      expect((await callTool(apiTool, rt, { ...stop(102), confirm: fresh })).text).toMatch(/task finished/);
      expect(writesTo(sent, '/nodes/pve1/qemu/102/status/stop')).toBe(1);
    } finally {
      rt.close();
    }
  });

  it('tokens are signed, not stored: another instance with the same key accepts one, other keys and forgeries do not', async () => {
    const a = recordingRuntime(sim, { PROXMOX_CONFIRM_KEY: KEY });
    const b = recordingRuntime(sim, { PROXMOX_CONFIRM_KEY: KEY });
    const c = recordingRuntime(sim, { PROXMOX_CONFIRM_KEY: 'another key, long enough' });
    try {
      const shutdown = { path: '/nodes/pve2/qemu/104/status/shutdown', method: 'POST' };
      const token = tokenOf(await callTool(apiTool, a.rt, shutdown));
      expect((await callTool(apiTool, c.rt, { ...shutdown, confirm: token })).text).toMatch(/does not match this call .*another key/);
      const [id, exp, sig] = token.split('.');
      const forged = [id, (parseInt(exp, 36) + 3600).toString(36), sig].join('.');
      for (const bad of [
        forged,
        `${id}.${exp}.${'A'.repeat(22)}`,
        'maybe',
        '',
        'x'.repeat(100_000),
        '__proto__',
        `${token}.extra`,
        token.toUpperCase(),
      ]) {
        const out = await callTool(apiTool, b.rt, { ...shutdown, confirm: bad });
        expect(out.text, bad.slice(0, 40)).toMatch(/^NOT RUN: the confirm token was not accepted/);
        expect(out.text.length).toBeLessThan(2000);
      }
      expect(b.sent.filter((s) => s.method !== 'GET')).toEqual([]);
      expect((await callTool(apiTool, b.rt, { ...shutdown, confirm: token })).isError).toBeFalsy();
      expect(writesTo(b.sent, '/nodes/pve2/qemu/104/status/shutdown')).toBe(1);
    } finally {
      a.rt.close();
      b.rt.close();
      c.rt.close();
    }
  });

  it('the exec tools: a token runs only the command it was shown for', async () => {
    const { rt, sent } = recordingRuntime(sim);
    try {
      const shown = await callTool(vmCommandTool, rt, { node: 'pve1', vmid: 100, command: 'hostname' });
      expect(shown.text).toContain('run in VM 100 on pve1:\nhostname');
      const token = tokenOf(shown);
      for (const other of [
        { command: 'rm -rf /' },
        { command: 'hostname', input: 'x' },
        { command: 'hostname', shell: true },
        { command: 'hostname', vmid: 101 },
      ]) {
        const out = await callTool(vmCommandTool, rt, { node: 'pve1', vmid: 100, ...other, confirm: token });
        expect(out.text).toMatch(/^NOT RUN: the confirm token was not accepted/);
      }
      expect(sent.filter((s) => s.path.endsWith('/agent/exec'))).toEqual([]);
      const ran = await callTool(vmCommandTool, rt, { node: 'pve1', vmid: 100, command: 'hostname', confirm: token });
      expect(ran.isError).toBeFalsy();
      expect(sent.filter((s) => s.path.endsWith('/agent/exec'))).toHaveLength(1);
    } finally {
      rt.close();
    }
  });

  it('with elicitation the human sees the same preview, and a model token is no substitute for the yes', async () => {
    const { rt, sent } = recordingRuntime(sim, { PROXMOX_CONFIRM: 'elicit' });
    const asked: string[] = [];
    const call: ToolCall = { ...noCall, elicitConfirm: async (m) => (asked.push(m), false) };
    try {
      const preview = await callTool(apiTool, rt, stop(101)); // without elicitation: a preview
      const declined = await callTool(apiTool, rt, { ...stop(101), confirm: tokenOf(preview) }, call);
      expect(declined.text).toMatch(/did not confirm/);
      const body = preview.text.split('\n').slice(1, -2).join('\n');
      expect(asked[0]).toBe(`${body}\n\nRun it?`);
      expect(writesTo(sent, '/nodes/pve1/qemu/101/status/stop')).toBe(0);
    } finally {
      rt.close();
    }
  });

  it('records a preview in the audit log as refused, without the token', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'audit-')), 'audit.jsonl');
    const { rt } = recordingRuntime(sim, { PROXMOX_AUDIT_LOG: file });
    try {
      const token = tokenOf(await callTool(apiTool, rt, stop(102)));
      const log = readFileSync(file, 'utf8');
      expect(JSON.parse(log.trim().split('\n')[0])).toMatchObject({
        status: 'refused',
        error: "not run: this call needs the user's agreement first",
      });
      expect(log).not.toContain(token.split('.')[2]);
    } finally {
      rt.close();
    }
  });

  it('signs equal parameters equally whatever their order', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }], c: undefined })).toBe('{"a":[{"x":1,"y":2}],"b":1}');
    const t = new ConfirmTokens({ key: KEY });
    const call = { cluster: 'c', tool: 'proxmox-api', method: 'POST', path: '/x', params: { a: 1, b: 2 } };
    expect(t.redeem(t.issue(call).token, { ...call, params: { b: 2, a: 1 } })).toEqual({ ok: true });
  });
});
