import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { readFileSync } from 'node:fs';
const tools = JSON.parse(readFileSync('/tmp/h12-tl.json','utf8'));
let total=0;
for (const t of tools) {
  const all = encode(JSON.stringify(t)).length; total+=all;
  const d = encode(JSON.stringify(t.description)).length;
  const props = Object.entries(t.inputSchema.properties).map(([k,v])=>`${k}:${encode(JSON.stringify({[k]:v})).length}`).join(' ');
  console.log(t.name, 'all', all, 'desc', d, '|', props);
}
console.log('sum', total);
