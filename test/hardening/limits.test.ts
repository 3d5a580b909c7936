import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveCli, startServer, textOf, type McpSession } from './mcp.js';

/** What the client sees for a call the server refuses: the tool's error text or the protocol error's message. */
async function refusal(s: McpSession, name: string, args: Record<string, unknown>): Promise<string> {
  try {
    const r = await s.call(name, args);
    expect(r.isError).toBe(true);
    return textOf(r);
  } catch (err) {
    return (err as Error).message;
  }
}

describe.skipIf(!haveCli)('tool arguments have documented length limits with clear errors (real MCP client)', () => {
  let s: McpSession;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('refuses over-long paths, path parameters, values and commands, naming the limit', async () => {
    expect(await refusal(s, 'proxmox-api-read', { path: `/nodes/${'a'.repeat(5000)}` })).toMatch(/path is limited to 4096 characters/);
    expect(await refusal(s, 'proxmox-api-read', { path: '/nodes/{node}/qemu', pathParams: { node: 'n'.repeat(2000) } })).toMatch(
      /path parameter value is limited to 1024/,
    );
    expect(
      await refusal(s, 'proxmox-api', { path: '/nodes/pve1/qemu/100/config', method: 'PUT', params: { description: 'd'.repeat(70_000) } }),
    ).toMatch(/values are limited to 65536/);
    const many = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`p${i}`, 1]));
    expect(await refusal(s, 'proxmox-api', { path: '/nodes/pve1/qemu/100/config', method: 'PUT', params: many })).toMatch(
      /at most 1000 parameters/,
    );
    expect(await refusal(s, 'proxmox-execute-vm-command', { node: 'pve1', vmid: 100, command: 'x'.repeat(70_000) })).toMatch(
      /command is limited to 65536/,
    );
    expect((await s.call('proxmox-api-read', { path: '/version' })).isError).toBeFalsy();
  });
});
