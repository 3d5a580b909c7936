import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { within } from '../src/within.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('within: a promise with a time limit', () => {
  it("gives the promise's value when it comes in time, and its failure", async () => {
    expect(await within(Promise.resolve(7), 1_000)).toBe(7);
    await expect(within(Promise.reject(new Error('no schema')), 1_000)).rejects.toThrow('no schema');
  });

  it('gives undefined once the time is up, and the promise goes on for the next caller', async () => {
    let resolve!: (v: string) => void;
    const slow = new Promise<string>((r) => (resolve = r));
    expect(await within(slow, 20)).toBeUndefined();
    resolve('late');
    expect(await within(slow, 20)).toBe('late');
  });

  it('keeps no process alive while it waits', () => {
    // A minute's wait on a promise that never settles: with nothing else to do, the process ends at once.
    const script = `import { within } from ${JSON.stringify(path.join(root, 'src/within.ts'))}; void within(new Promise(() => {}), 60_000);`;
    const started = Date.now();
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, timeout: 30_000 });
    expect(res.status, res.stderr.toString()).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
