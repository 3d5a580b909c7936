import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAsCaller } from '../../src/proxmox/caller.js';
import { HttpProxmoxClient } from '../../src/proxmox/client.js';
import { json, startHostileNode } from './hostile-node.js';

describe('the per-cluster queue takes turns by caller and bounds every wait (HTTPS fake node)', () => {
  let node: Awaited<ReturnType<typeof startHostileNode>>;
  const hung: Array<() => void> = [];
  beforeAll(async () => {
    node = await startHostileNode({
      '/slow': (_req, res) => void setTimeout(() => json(res, 200, { data: 'slow' }), 150),
      '/hang': (_req, res) => void hung.push(() => json(res, 200, { data: 'late' })),
    });
  });
  afterAll(async () => {
    hung.splice(0).forEach((f) => f());
    await node?.close();
  });

  const client = (extra: Partial<ConstructorParameters<typeof HttpProxmoxClient>[0]> = {}) =>
    new HttpProxmoxClient({
      url: node.url,
      credentials: { kind: 'token', tokenId: 'a@pam!t', secret: 'secret-value' },
      tls: { insecure: true },
      maxConcurrent: 2,
      timeoutMs: 10_000,
      ...extra,
    });

  it("one caller's batch of 30 delays another caller's call by about one request, not the whole batch", async () => {
    const c = client();
    const done: string[] = [];
    const batch = Array.from({ length: 30 }, (_, i) =>
      runAsCaller('client-a', () => c.request({ method: 'GET', path: '/slow' })).then(() => done.push(`a${i}`)),
    );
    await new Promise((r) => setTimeout(r, 20));
    const other = runAsCaller('client-b', () => c.request({ method: 'GET', path: '/slow' })).then(() => done.push('b'));
    await Promise.all([...batch, other]);
    // First come, first served would put b after all 30 of a's calls.
    expect(done.indexOf('b')).toBeLessThan(6);
    c.close();
  });

  it('a call that cannot get a slot within the wait limit is refused, saying nothing was sent', async () => {
    const c = client({ maxConcurrent: 1, queueWaitMs: 300 });
    const stuck = runAsCaller('client-a', () => c.request({ method: 'GET', path: '/hang' })).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 20));
    const err = await runAsCaller('client-b', () => c.request({ method: 'POST', path: '/nodes/pve1/qemu/100/status/start' })).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/cluster busy: .*no slot came free within 300 ms.*nothing was sent/);
    expect(node.requests.filter((r) => r.includes('status/start'))).toEqual([]);
    hung.splice(0).forEach((f) => f());
    await stuck;
    c.close();
  });
});
