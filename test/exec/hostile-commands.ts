/** Commands that a careless quoting scheme would let the node's shell interpret. `MARK` is replaced by a path. */
export const HOSTILE_TEMPLATES = [
  '$(touch MARK-dollar)',
  '`touch MARK-backtick`',
  "'; touch MARK-quote; '",
  '"; touch MARK-dquote; "',
  '\'"$(touch MARK-mixed)"\'',
  "it's \"quoted\" 'twice'",
  "'",
  "'\\''",
  'a; b && c || d | e & f',
  'true; touch MARK-semicolon',
  'true && touch MARK-and',
  'true | touch MARK-pipe',
  'true\ntouch MARK-newline',
  'line one\nline two\n\nline four',
  '$HOME ${PATH} $1 $@ $$ !! ~ ~root',
  '* ? [a-z] {a,b} ** .*',
  "\\ \\\\ \\n \\'",
  'ünïcødé ✓ 日本語 🐧',
  '-c',
  '--help',
  ' ',
  '\t',
  '\n',
  '#',
  '> MARK-redirect',
  '\r\n\u001b[31m',
];

export const HOSTILE_COMMANDS = [
  ...HOSTILE_TEMPLATES,
  // A 64 KiB script, to be carried whole.
  '#!/bin/sh\n' + 'echo "x"\n'.repeat(6553) + '#'.repeat(65_536 - 10 - 9 * 6553),
];

export function withMarker(command: string, marker: string): string {
  return command.replaceAll('MARK', marker);
}
