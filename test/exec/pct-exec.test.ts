import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explainPctFailure, pctExecCommandLine } from '../../src/exec/pct-exec.js';
import { singleQuote } from '../../src/exec/posix-quote.js';
import { HOSTILE_COMMANDS, withMarker } from './hostile-commands.js';
import { takePctCalls, writePctStandIn } from './sshd-harness.js';

const shells = ['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s));

describe('pct exec command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pmcp-pct-'));
  const bin = join(dir, 'bin');
  const calls = join(dir, 'calls');
  mkdirSync(bin);
  mkdirSync(calls);
  writePctStandIn(bin, calls);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(shells)('reaches pct byte-for-byte through %s, unevaluated', (shell) => {
    const marker = join(dir, 'pwned');
    expect(Buffer.byteLength(HOSTILE_COMMANDS.at(-1)!)).toBe(65_536);
    for (const template of HOSTILE_COMMANDS) {
      const command = withMarker(template, marker);
      // vmid 199: the stand-in records and exits without running the script, so a marker file can only come from the host shell.
      const r = spawnSync(shell, ['-c', pctExecCommandLine(199, command, { sudo: false, timeoutMs: 10_000 })], {
        env: { PATH: `${bin}:/usr/bin:/bin` },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(takePctCalls(calls)).toEqual([['exec', '199', '--', '/bin/sh', '-c', command]]);
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });

  it('and the inner shell gets it as written', () => {
    const r = spawnSync(
      '/bin/sh',
      ['-c', pctExecCommandLine(100, `printf '%s|' "it's" '$HOME' "a  b"; echo`, { sudo: false, timeoutMs: 10_000 })],
      {
        env: { PATH: `${bin}:/usr/bin:/bin`, HOME: '/home/x' },
        encoding: 'utf8',
      },
    );
    expect(r.stdout).toBe("it's|$HOME|a  b|\n");
    takePctCalls(calls);
  });

  it('puts sudo -n before pct and the deadline before both', () => {
    expect(pctExecCommandLine(101, 'id', { sudo: true, timeoutMs: 1500 })).toBe(
      "timeout -k 5 1.500 sudo -n pct exec 101 -- /bin/sh -c 'id'",
    );
    expect(() => pctExecCommandLine(1.5, 'id', { sudo: false, timeoutMs: 1 })).toThrow();
  });

  it('single-quotes anything', () => {
    expect(singleQuote("a'b")).toBe(`'a'\\''b'`);
    expect(singleQuote('')).toBe("''");
  });
});

describe('explainPctFailure', () => {
  const ctx = { vmid: 105, node: 'pve1', host: '10.0.0.11', user: 'mcp' };
  it.each([
    [255, "container '105' not running!\n", /not running on node pve1/],
    [255, "Configuration file 'nodes/pve1/lxc/105.conf' does not exist\n", /does not exist on node pve1/],
    [127, 'bash: line 1: pct: command not found\n', /'pct' was not found on 10\.0\.0\.11.*\/usr\/sbin/],
    [127, "timeout: failed to run command 'pct': No such file or directory\n", /'pct' was not found/],
    [1, 'sudo: a password is required\n', /sudoers.*mcp ALL=\(root\) NOPASSWD: \/usr\/sbin\/pct exec \*/],
    [
      1,
      "Sorry, user mcp is not allowed to execute '/usr/sbin/pct exec 105 -- /bin/sh -c id' as root on pve1.\n",
      /does not let mcp run pct/,
    ],
  ])('exit %i %j', (exitCode, stderr, want) => {
    expect(explainPctFailure({ exitCode, stderr }, ctx)).toMatch(want);
  });

  it("leaves the command's own failures alone", () => {
    expect(explainPctFailure({ exitCode: 127, stderr: '/bin/sh: 1: foo: not found\n' }, ctx)).toBeUndefined();
    expect(explainPctFailure({ exitCode: 1, stderr: "container '106' not running!\n" }, ctx)).toBeUndefined();
    expect(explainPctFailure({ exitCode: 0, stderr: "container '105' not running!\n" }, ctx)).toBeUndefined();
  });
});
