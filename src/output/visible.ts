/**
 * Text a human approves, with nothing that can hide what follows: a run of spaces becomes `⟨2000 spaces⟩`,
 * tabs, carriage returns, other control and invisible characters (zero-width, bidirectional overrides,
 * unusual spaces) become `⟨tab⟩`, `⟨CR⟩`, `⟨U+202E⟩`, and long runs of newlines are counted. Ordinary
 * single spaces and line breaks stay as they are.
 */
const SPACE_RUN = 4;
const NEWLINE_RUN = 3;

const NAMED: Record<string, string> = { '\t': 'tab', '\r': 'CR', '\u000b': 'VT', '\f': 'FF', '\u00a0': 'no-break space' };

/** Characters that render as nothing or as ordinary space, or reorder the text around them. */
const INVISIBLE =
  /[\t\u0000-\u0008\u000b-\u001f\u007f-\u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]/u;

export function visible(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\n') {
      let j = i;
      while (j < text.length && text[j] === c) j++;
      const n = j - i;
      if (c === ' ' && n >= SPACE_RUN) out += `⟨${n} spaces⟩`;
      else if (c === '\n' && n >= NEWLINE_RUN) out += `\n⟨${n} line breaks⟩\n`;
      else out += text.slice(i, j);
      i = j;
      continue;
    }
    if (INVISIBLE.test(c)) {
      let j = i;
      while (j < text.length && text[j] === c) j++;
      const name = NAMED[c] ?? `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      out += j - i > 1 ? `⟨${j - i} × ${name}⟩` : `⟨${name}⟩`;
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
