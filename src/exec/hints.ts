/**
 * What to do when a guest command was not found. The guest agent starts a program directly (no shell,
 * a short PATH), so `systemctl status x` fails there although it works at a prompt; a shell that cannot
 * find a program exits 127. Both cases are common first tries, and both have a one-step fix.
 */

/** The guest agent's own words when the program in argv[0] does not exist on its PATH. */
const AGENT_NOT_FOUND = /Failed to execute child process\s*["“']?([^"”'\s]*)["”']?\s*\((No such file or directory|Permission denied)\)/i;

/** Hint for a guest-agent exec that failed to start; undefined when the error is something else. */
export function agentStartHint(message: string, opts: { shell: boolean }): string | undefined {
  const m = AGENT_NOT_FOUND.exec(message);
  if (!m) return undefined;
  const prog = clipName(m[1] ?? '');
  if (/Permission denied/i.test(m[2]))
    return `${prog || 'the program'} is not executable in the guest; run it through an interpreter (e.g. command: "sh", args: ["${prog}"]) or pass shell: true.`;
  if (opts.shell) return `the guest has no shell at ${prog}; give the program with its full path instead of shell: true.`;
  if (prog.includes('/') || prog.includes('\\')) {
    return `${prog} does not exist in the guest: check the path (shell: true with command "command -v NAME" finds a program).`;
  }
  return `the guest agent runs programs directly, without a shell and with a short PATH: give the full path (e.g. /usr/bin/${prog} or /usr/sbin/${prog}), or pass shell: true to run the line through /bin/sh -c (cmd /c on Windows), which also allows pipes and redirection.`;
}

/** Hint for a command that ran through a shell and was not found there (exit 127, or cmd.exe's words). */
export function shellNotFoundHint(exitCode: number | null, stderr: string): string | undefined {
  const tail = stderr.slice(-2000);
  const sh = /(?:^|\n)(?:[^\n]*: )?(?:line \d+: |\d+: )?([^\s:]+): (?:command )?not found\s*$/m.exec(tail);
  if (exitCode === 127 && sh) {
    const prog = clipName(sh[1]);
    return `exit 127: ${prog} is not on the guest's PATH: check the name, or give its full path (find it with: command -v ${prog} || ls /usr/sbin /usr/local/bin).`;
  }
  if (/is not recognized as an internal or external command/i.test(tail)) {
    return 'cmd.exe did not find the program: check the name or give its full path (e.g. C:\\Windows\\System32\\...).';
  }
  return undefined;
}

function clipName(name: string): string {
  return name.length > 60 ? `${name.slice(0, 60)}…` : name;
}
