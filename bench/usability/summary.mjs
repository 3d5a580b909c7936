// Figures of a trial log: per request calls, failed calls and answer tokens; then the median calls per
// request and the totals. Usage: node bench/usability/summary.mjs usability-log.jsonl [verdicts.json]
// verdicts.json (optional): {"1": {"success": true, "wasted": 0, "hesitation": "..."}, ...}, written by the trial runner.
import { existsSync, readFileSync } from 'node:fs';

const [logFile = 'usability-log.jsonl', verdictFile] = process.argv.slice(2);
const rows = readFileSync(logFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const verdicts = verdictFile && existsSync(verdictFile) ? JSON.parse(readFileSync(verdictFile, 'utf8')) : {};
const byRequest = new Map();
for (const r of rows) {
  const s = byRequest.get(r.request) ?? { calls: 0, failed: 0, tokens: 0 };
  s.calls++;
  if (!r.ok) s.failed++;
  s.tokens += r.tokens;
  byRequest.set(r.request, s);
}
const ids = [...byRequest.keys()].sort((a, b) => a - b);
console.log('req\tcalls\tnot-ok\twasted\ttokens\tsuccess\thesitation');
for (const id of ids) {
  const s = byRequest.get(id);
  const v = verdicts[id] ?? {};
  console.log(`${id}\t${s.calls}\t${s.failed}\t${v.wasted ?? '?'}\t${s.tokens}\t${v.success ?? '?'}\t${v.hesitation ?? ''}`);
}
const calls = ids.map((id) => byRequest.get(id).calls).sort((a, b) => a - b);
const median = calls.length
  ? calls.length % 2
    ? calls[(calls.length - 1) / 2]
    : (calls[calls.length / 2 - 1] + calls[calls.length / 2]) / 2
  : 0;
const total = (k) => ids.reduce((n, id) => n + byRequest.get(id)[k], 0);
const succeeded = ids.filter((id) => verdicts[id]?.success === true).length;
const partly = ids.filter((id) => verdicts[id]?.success === 'partly').length;
const wasted = ids.reduce((n, id) => n + (Number(verdicts[id]?.wasted) || 0), 0);
console.log(
  `requests ${ids.length}, succeeded ${succeeded}, partly ${partly}; calls ${total('calls')} (median ${median} per request), not-ok calls ${total('failed')} (confirmation previews included), wasted on syntax ${wasted}, answer tokens ${total('tokens')}`,
);
