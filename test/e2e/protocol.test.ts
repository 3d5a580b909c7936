import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

type Result = { content: Array<{ text: string }>; isError?: boolean; structuredContent?: Record<string, unknown> };
const text = (r: unknown) => (r as Result).content.map((c) => c.text).join('\n');

function env(extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PROXMOX_')) out[k] = v;
  return { ...out, PROXMOX_LOG_LEVEL: 'warn', ...extra };
}

describe.skipIf(!existsSync(cli))('MCP protocol features over stdio', () => {
  it('returns structuredContent beside the text, matching the declared output schema', async () => {
    const c = new ClientV1({ name: 'structured', version: '1' });
    await c.connect(new StdioV1({ command: process.execPath, args: [cli, '--demo'], env: env({}), stderr: 'pipe' }));
    try {
      const { tools } = await c.listTools();
      expect(tools.find((t) => t.name === 'proxmox-api-read')?.outputSchema).toMatchObject({ type: 'object' });
      const r = (await c.callTool({
        name: 'proxmox-api-read',
        arguments: { path: '/cluster/resources', params: { type: 'vm' }, fields: ['vmid', 'name'], limit: 3 },
      })) as Result;
      expect(r.structuredContent).toMatchObject({ method: 'GET', path: '/cluster/resources' });
      expect(r.structuredContent?.data).toHaveLength(3);
      for (const t of tools) expect(t.outputSchema, t.name).toMatchObject({ type: 'object' });
      const found = (await c.callTool({ name: 'proxmox-api-schema', arguments: { query: 'start a virtual machine' } })) as Result;
      expect((found.structuredContent?.operations as Array<{ method: string; path: string }>)[0]).toMatchObject({
        method: 'POST',
        path: '/nodes/{node}/qemu/{vmid}/status/start',
      });
      const detail = (await c.callTool({
        name: 'proxmox-api-schema',
        arguments: { path: '/nodes/{node}/qemu/{vmid}/snapshot', method: 'POST' },
      })) as Result;
      expect(detail.structuredContent?.operation).toMatchObject({
        method: 'POST',
        params: expect.arrayContaining([expect.objectContaining({ name: 'snapname', optional: false })]),
      });
    } finally {
      await c.close();
    }
  });

  it('sends progress while it waits for a task (v1 client, 2025 protocol)', async () => {
    const c = new ClientV1({ name: 'progress', version: '1' });
    await c.connect(
      new StdioV1({
        command: process.execPath,
        args: [cli, '--demo'],
        env: env({ PROXMOX_DEMO_TASK_MS: '1500', PROXMOX_CONFIRM: 'off' }),
        stderr: 'pipe',
      }),
    );
    try {
      const seen: unknown[] = [];
      const r = await c.callTool(
        { name: 'proxmox-api', arguments: { path: '/nodes/pve1/qemu/100/snapshot', method: 'POST', params: { snapname: 'progress1' } } },
        undefined,
        { onprogress: (p) => seen.push(p), timeout: 15_000 },
      );
      expect(text(r)).toMatch(/task finished: OK/);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[0]).toMatchObject({ progress: expect.any(Number) });
    } finally {
      await c.close();
    }
  });

  it('stops waiting when the client cancels, and keeps serving', async () => {
    const c = new ClientV1({ name: 'cancel', version: '1' });
    await c.connect(
      new StdioV1({
        command: process.execPath,
        args: [cli, '--demo'],
        env: env({ PROXMOX_DEMO_TASK_MS: '20000', PROXMOX_CONFIRM: 'off' }),
        stderr: 'pipe',
      }),
    );
    try {
      const controller = new AbortController();
      const pending = c.callTool(
        {
          name: 'proxmox-api',
          arguments: { path: '/nodes/pve1/qemu/101/snapshot', method: 'POST', params: { snapname: 'cancelme' }, wait: 60 },
        },
        undefined,
        { signal: controller.signal, onprogress: () => controller.abort('user cancelled') },
      );
      await expect(pending).rejects.toThrow();
      const next = await c.callTool({ name: 'proxmox-api-read', arguments: { path: '/version' } });
      expect(text(next)).toMatch(/version/);
    } finally {
      await c.close();
    }
  });

  it('asks the human through elicitation on a 2025 client and honours the answer', async () => {
    const c = new ClientV1({ name: 'elicit-v1', version: '1' }, { capabilities: { elicitation: {} } });
    const answers = [{ action: 'decline' as const }, { action: 'accept' as const, content: { confirm: true } }];
    const asked: string[] = [];
    c.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params.message);
      return answers.shift()!;
    });
    await c.connect(
      new StdioV1({ command: process.execPath, args: [cli, '--demo'], env: env({ PROXMOX_CONFIRM: 'elicit' }), stderr: 'pipe' }),
    );
    try {
      const call = { name: 'proxmox-api', arguments: { path: '/nodes/pve1/qemu/100/status/reboot', method: 'POST' } };
      const declined = await c.callTool(call);
      expect((declined as Result).isError).toBe(true);
      expect(text(declined)).toMatch(/did not confirm/);
      const accepted = await c.callTool(call);
      expect(text(accepted)).toMatch(/task finished: OK/);
      expect(asked[0]).toMatch(/POST \/nodes\/pve1\/qemu\/100\/status\/reboot/);
    } finally {
      await c.close();
    }
  });

  it('asks through an input_required round trip on a 2026-07-28 client', async () => {
    const c = new ClientV2({ name: 'elicit-v2', version: '1' }, { capabilities: { elicitation: { form: {} } } });
    const asked: string[] = [];
    c.setRequestHandler('elicitation/create', async (req) => {
      asked.push(String((req.params as { message?: string }).message));
      return { action: 'accept', content: { confirm: true } };
    });
    await c.connect(
      new StdioV2({ command: process.execPath, args: [cli, '--demo'], env: env({ PROXMOX_CONFIRM: 'elicit' }), stderr: 'pipe' }),
    );
    try {
      const r = await c.callTool({
        name: 'proxmox-api',
        arguments: { path: '/nodes/pve1/qemu/100/status/stop', method: 'POST' },
      });
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(/POST \/nodes\/pve1\/qemu\/100\/status\/stop/);
      // Confirmed, so it ran.
      expect(text(r)).toMatch(/task finished: OK/);
    } finally {
      await c.close();
    }
  });
});
