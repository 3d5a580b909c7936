/**
 * How PVE reads a list value (`PVE::Tools::split_list`): when the text holds a NUL, the items are what
 * lies between NULs; otherwise commas and semicolons count as spaces and the items are the runs of
 * non-space characters (Perl's `\s`: space, tab, newline, vertical tab, form feed, carriage return).
 * Anything that decides what a list call does (the confirmation check for `delete`) must read the list
 * the same way, or `"scsi1\0unused0"` reads as one harmless key here and as two keys on the node.
 *
 * Items are also trimmed in the NUL form: a key the node would reject can only make the check stricter.
 */
export function splitList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value.map((v) => String(v)) : [String(value)];
  const out: string[] = [];
  for (const text of items) {
    const parts = text.includes('\0') ? text.split('\0') : text.replace(/[,;]/g, ' ').split(/[ \t\n\v\f\r]+/);
    for (const part of parts) {
      const item = part.trim();
      if (item !== '') out.push(item);
    }
  }
  return out;
}
