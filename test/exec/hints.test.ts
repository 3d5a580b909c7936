import { describe, expect, it } from 'vitest';
import { agentStartHint, shellNotFoundHint } from '../../src/exec/hints.js';

describe('hints for a command that was not found', () => {
  it('points a guest-agent start failure to a full path or shell: true', () => {
    const said = 'Proxmox answered 500 Agent error: Failed to execute child process “systemctl” (No such file or directory)';
    expect(agentStartHint(said, { shell: false })).toMatch(/full path \(e\.g\. \/usr\/bin\/systemctl.*shell: true/);
    expect(agentStartHint('Failed to execute child process "/opt/x" (No such file or directory)', { shell: false })).toMatch(
      /^\/opt\/x does not exist in the guest/,
    );
    expect(agentStartHint('Failed to execute child process “/bin/sh” (No such file or directory)', { shell: true })).toMatch(
      /no shell at \/bin\/sh/,
    );
    expect(agentStartHint('Failed to execute child process “./run” (Permission denied)', { shell: false })).toMatch(/not executable/);
    expect(agentStartHint('QEMU guest agent is not running', { shell: false })).toBeUndefined();
  });

  it('explains exit 127 from sh, bash and busybox, and cmd.exe words', () => {
    expect(shellNotFoundHint(127, 'sh: 1: foo: not found\n')).toMatch(/foo is not on the guest's PATH.*command -v foo/);
    expect(shellNotFoundHint(127, 'bash: line 1: htop: command not found\n')).toMatch(/htop is not on/);
    expect(shellNotFoundHint(127, '/bin/sh: ip: not found\n')).toMatch(/ip is not on/);
    expect(
      shellNotFoundHint(1, "'foo' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"),
    ).toMatch(/cmd\.exe did not find/);
    expect(shellNotFoundHint(1, 'sh: 1: foo: not found\n')).toBeUndefined();
    expect(shellNotFoundHint(127, 'something else\n')).toBeUndefined();
    expect(shellNotFoundHint(0, '')).toBeUndefined();
  });

  it('never quotes a huge program name back in full', () => {
    const name = 'x'.repeat(10_000);
    expect(shellNotFoundHint(127, `sh: 1: ${name}: not found\n`)!.length).toBeLessThan(300);
    expect(agentStartHint(`Failed to execute child process “${name}” (No such file or directory)`, { shell: false })!.length).toBeLessThan(
      400,
    );
  });
});
