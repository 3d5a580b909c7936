import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pctExecCommandLine } from '../../src/exec/pct-exec.js';
import { execInGuest } from '../../src/simulator/guest.js';
import { SimState } from '../../src/simulator/state.js';
import { takePctCalls, writePctStandIn } from './sshd-harness.js';

/** The stand-in `pct` serves the simulator's containers from the same guest content as the simulator. */
describe('stand-in pct for the simulated containers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pmcp-pctsim-'));
  const bin = join(dir, 'bin');
  const calls = join(dir, 'calls');
  mkdirSync(bin);
  mkdirSync(calls);
  writePctStandIn(bin, calls);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sim = new SimState();

  const pct = (vmid: number, script: string, input?: string) => {
    const r = spawnSync('/bin/sh', ['-c', pctExecCommandLine(vmid, script, { sudo: false, timeoutMs: 20_000 })], {
      env: { PATH: `${bin}:/usr/bin:/bin` },
      encoding: 'utf8',
      input,
      timeout: 30_000,
    });
    takePctCalls(calls);
    return { stdout: r.stdout, stderr: r.stderr, code: r.status };
  };

  it("answers like the simulator's guest shell for the same container", () => {
    const script = "hostname; systemctl is-active unbound; cat /etc/os-release | head -n 1; free -m | awk '/Mem/ {print $2}'";
    const viaPct = pct(200, script);
    const direct = execInGuest(sim.guests.get(200)!, ['/bin/sh', '-c', script], '', 1 << 20);
    expect(viaPct.stdout).toBe(direct.stdout);
    expect(viaPct.stdout).toBe('dns01\nactive\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n512\n');
    expect(viaPct.code).toBe(0);
  }, 60_000);

  it('passes exit codes, stderr and stdin through; a stopped container answers like pct', () => {
    const failed = pct(203, 'echo out; echo err >&2; exit 3');
    expect([failed.stdout, failed.stderr, failed.code]).toEqual(['out\n', 'err\n', 3]);
    expect(pct(205, 'wc -l', 'a\nb\n').stdout).toBe('2\n');
    const stopped = pct(202, 'hostname');
    expect([stopped.stderr, stopped.code]).toEqual(["container '202' not running!\n", 255]);
  }, 60_000);
});
