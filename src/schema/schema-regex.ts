import { RE2JS } from 're2js';

/**
 * Schema patterns (PVE's Perl regexes, PBS/PDM's Rust regexes) run in a linear-time engine with RE2
 * semantics. JavaScript's backtracking engine is never used for them: PVE 9.2's OCI `reference` pattern
 * alone takes hours on a 30-character value there, and a blocked event loop stops every client.
 *
 * A pattern RE2 cannot express (back-references, lookaround, ...) is not checked here; the node checks
 * it. The few Perl-only constructs that have an RE2 equivalent accepting the same or more are rewritten,
 * never to something stricter, so a valid value is never refused for the rewrite.
 */

export type PatternVerdict = 'match' | 'mismatch' | 'unchecked';

interface Compiled {
  re: RE2JS | undefined;
}

const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 2000;
/** RE2's own bound on `{m,n}`. */
const MAX_REPEAT = 1000;
/** A position not preceded by an odd number of backslashes (so the next character is not escaped). */
const UNESCAPED = String.raw`(?<=(?:^|[^\\])(?:\\\\)*)`;

/** The RE2 source for a schema pattern, anchored the way PVE applies it (`m/^$pattern$/`). */
export function re2Source(pattern: string): string {
  let p = pattern;
  // PBS/PDM schemas show their (Rust) regexes as `/^...$/`: already anchored.
  if (p.length >= 2 && p.startsWith('/') && p.endsWith('/')) p = p.slice(1, -1);
  // Perl's `(?^flags:` resets to the default flags; `u`, `a`, `l`, `d` only pick a charset semantics.
  p = p.replace(new RegExp(`${UNESCAPED}\\(\\?\\^?([a-z]*):`, 'g'), (_m, flags: string) => {
    const kept = flags.replace(/[uald]/g, '');
    return kept ? `(?${kept}:` : '(?:';
  });
  // An atomic group accepts a subset of what the plain group accepts: the plain group only loosens.
  p = p.replace(new RegExp(`${UNESCAPED}\\(\\?>`, 'g'), '(?:');
  return `^(?:${p})$`;
}

/** `{0,4096}` -> `{0,}`: longer bounds than RE2 takes become open-ended (looser, never stricter). */
function loosenRepeats(source: string): string {
  return source.replace(new RegExp(`${UNESCAPED}\\{(\\d+)(?:,(\\d*))?\\}`, 'g'), (m: string, lo: string, hi: string | undefined) => {
    const low = Number(lo);
    if (low <= MAX_REPEAT && (!hi || Number(hi) <= MAX_REPEAT)) return m;
    return low === 0 ? '*' : `{${Math.min(low, MAX_REPEAT)},}`;
  });
}

function compile(pattern: string): Compiled {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const source = re2Source(pattern);
  let re: RE2JS | undefined;
  for (const candidate of [source, loosenRepeats(source)]) {
    try {
      re = RE2JS.compile(candidate);
      break;
    } catch {
      // try the next form; none left means "unchecked"
    }
  }
  const compiled = { re };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, compiled);
  return compiled;
}

/** Whether RE2 can check this pattern here (false: the node alone checks it). */
export function patternCheckable(pattern: string): boolean {
  return compile(pattern).re !== undefined;
}

/** Matches a whole value against a schema pattern in time linear in the value's length. */
export function matchSchemaPattern(pattern: string, text: string): PatternVerdict {
  const { re } = compile(pattern);
  if (!re) return 'unchecked';
  return re.matches(text) ? 'match' : 'mismatch';
}
