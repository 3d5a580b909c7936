import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { readFileSync } from 'node:fs';
const tools = JSON.parse(readFileSync('/tmp/h12-tl.json','utf8'));
const count = (t) => encode(JSON.stringify({ tools: t })).length;
console.log('now', count(tools));
const noOut = tools.map(({ outputSchema, ...t }) => t);
console.log('no outputSchema', count(noOut));
const def = { readOnlyHint: false, destructiveHint: true, openWorldHint: true };
const slimAnn = tools.map((t) => {
  const a = { ...t.annotations };
  for (const [k, v] of Object.entries(def)) if (a[k] === v) delete a[k];
  if (a.readOnlyHint) delete a.destructiveHint;
  return { ...t, annotations: a };
});
console.log('default hints omitted', count(slimAnn));
console.log('both', count(slimAnn.map(({ outputSchema, ...t }) => t)));
