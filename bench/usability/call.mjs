// One trial call: runs `proxmox-mcp call TOOL 'JSON' --demo`, prints the answer as the model sees it, and
// appends {request, tool, args, ok, tokens} to the trial log (USABILITY_LOG, default usability-log.jsonl).
// Usage: node bench/usability/call.mjs REQUEST_NO TOOL 'JSON'
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';

const [request, tool, json = '{}'] = process.argv.slice(2);
if (!request || !tool) {
  console.error("usage: node bench/usability/call.mjs REQUEST_NO TOOL 'JSON'");
  process.exit(2);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = { ...process.env, PROXMOX_LOG_LEVEL: 'silent' };
delete env.SSH_AUTH_SOCK;
// Confirmation tokens must verify in the next process: one key for the whole trial.
env.PROXMOX_CONFIRM_KEY ??= 'usability-trial-confirm-key-0123456789';
const res = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'call', tool, json, '--demo'], { env, timeout: 120_000 });
const answer = (res.stdout.toString() + res.stderr.toString()).trimEnd();
console.log(answer);
const log = process.env.USABILITY_LOG ?? 'usability-log.jsonl';
let args;
try {
  args = JSON.parse(json);
} catch {
  args = json;
}
appendFileSync(log, JSON.stringify({ request: Number(request), tool, args, ok: res.status === 0, tokens: encode(answer).length }) + '\n');
