/** Edit distance counting a swap of neighbours as one edit (optimal string alignment): `memroy` is 1 from `memory`. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + sub);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length][b.length];
}

const MAX_NAME = 100;

/**
 * Candidates close enough to `name` to be what was meant (typos, a missing dash, a prefix), best first.
 * Distant names are left out: a wrong suggestion is worse than none.
 */
export function closestNames(name: string, candidates: Iterable<string>, n = 3): string[] {
  // No name is this long; the quadratic distance would only make a hostile input expensive.
  if (name.length > MAX_NAME) return [];
  const lower = name.toLowerCase();
  const scored: Array<{ c: string; d: number }> = [];
  for (const c of new Set(candidates)) {
    const cl = c.toLowerCase();
    let d = levenshtein(lower, cl);
    const squash = (s: string) => s.replace(/[-_]/g, '');
    if (squash(lower) === squash(cl)) d = 0.5;
    else if (lower.length >= 3 && (cl.startsWith(lower) || lower.startsWith(cl))) d = Math.min(d, 1.5);
    const limit = Math.max(1, Math.floor(Math.max(lower.length, cl.length) / 3));
    if (d <= limit) scored.push({ c, d });
  }
  return scored
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, n)
    .map((x) => x.c);
}
