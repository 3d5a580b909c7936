import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, haveCli, serverEnv } from './mcp.js';

/**
 * Messages no SDK client would send (a line of 9 MB, broken JSON, arguments nested 100k deep) go over
 * raw stdio: each must get an answer, and the server must keep answering afterwards.
 */
describe.skipIf(!haveCli)('stdio: every message gets an answer, whatever it is', () => {
  let child: ChildProcessWithoutNullStreams;
  let buffer = '';
  let stderr = '';
  const waiters: Array<{ id: unknown; resolve: (m: Record<string, unknown>) => void }> = [];
  const answered: Array<Record<string, unknown>> = [];

  const send = (line: string) => child.stdin.write(line + '\n');
  const reply = (id: unknown, timeoutMs = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = answered.find((m) => m.id === id);
      if (seen) return resolve(seen);
      const t = setTimeout(() => reject(new Error(`no answer for id ${JSON.stringify(id)}; stderr: ${stderr.slice(-500)}`)), timeoutMs);
      waiters.push({ id, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });

  beforeAll(async () => {
    child = spawn(process.execPath, [cli, '--demo'], { env: serverEnv(), stdio: 'pipe' }) as ChildProcessWithoutNullStreams;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const msg = JSON.parse(line) as Record<string, unknown>;
        answered.push(msg);
        for (const w of waiters.filter((x) => x.id === msg.id)) w.resolve(msg);
      }
    });
    send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    );
    await reply(1);
    send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  });
  afterAll(() => {
    child?.kill();
  });

  const call = (id: number, args: unknown) =>
    JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'proxmox-api-read', arguments: args } });

  it('answers a message over the stdio limit with an error carrying its id, then keeps serving', async () => {
    send(call(10, { path: '/version', params: { x: 'y'.repeat(9 * 1024 * 1024) } }));
    const big = await reply(10);
    expect(big.error).toMatchObject({ code: -32600, message: expect.stringMatching(/message over 8388608 bytes refused/) });
    send(call(11, { path: '/version' }));
    expect(JSON.stringify(await reply(11))).toMatch(/version/);
    expect(stderr).toMatch(/stdin: Invalid Request: message over/);
  });

  it('answers broken JSON with a parse error instead of silence', async () => {
    send('{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{');
    expect((await reply(12)).error).toMatchObject({ code: -32700 });
    send('{"jsonrpc":"2.0","id":13,"method":42}');
    expect((await reply(13)).error).toMatchObject({ code: -32600 });
  });

  it('answers arguments nested 100k deep with a precise error', async () => {
    const deep = `{"path":"/version","params":{"x":${'['.repeat(100_000)}1${']'.repeat(100_000)}}}`;
    send(`{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"name":"proxmox-api-read","arguments":${deep}}}`);
    const r = await reply(14);
    expect(JSON.stringify(r)).toMatch(/nest deeper than 32 levels/);
    send(call(15, { path: '/version' }));
    expect(JSON.stringify(await reply(15))).toMatch(/version/);
  });
});
