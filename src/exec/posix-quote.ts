/**
 * Quotes one argument for a POSIX shell: everything inside single quotes is literal, and a single quote
 * itself is closed, escaped and reopened (`'` -> `'\''`). No character of the result is special to the shell,
 * so the shell passes the original bytes on as exactly one word.
 */
export function singleQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
