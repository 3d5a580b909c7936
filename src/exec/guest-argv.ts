import { parse } from 'shell-quote';
import { ToolError } from '../errors.js';

/**
 * Splits a command line into argv the way a shell would split words (quotes, backslashes), without a
 * shell's other powers. Anything that needs a shell (operators, redirects, globs, variables, comments) is
 * refused rather than passed on as a literal argument the model did not mean.
 */
export function splitCommandLine(command: string): string[] {
  const variables: string[] = [];
  const tokens = parse(command, (name: string) => {
    variables.push(name);
    return '';
  });
  const problems = new Set<string>();
  const argv: string[] = [];
  for (const t of tokens) {
    if (typeof t === 'string') argv.push(t);
    else if ('comment' in t) problems.add(`comment #${t.comment}`);
    else if (t.op === 'glob') problems.add(`glob ${t.pattern}`);
    else problems.add(`'${t.op}'`);
  }
  for (const v of variables) problems.add(`variable $${v}`);
  if (problems.size) {
    throw new ToolError(
      `the command uses shell syntax (${[...problems].join(', ')}) but runs without a shell: pass shell: true to run it through /bin/sh -c (cmd.exe /c on Windows), or give the program in command and its arguments in args`,
    );
  }
  if (argv.length === 0 || argv[0] === '') throw new ToolError('the command is empty');
  return argv;
}
