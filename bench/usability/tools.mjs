// What a model is given in the usability trial: the server's `instructions` and its tools/list, exactly as
// `proxmox-mcp --demo` sends them over stdio. Usage: node bench/usability/tools.mjs  (after npm run build)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const messages = [
  {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'usability', version: '1' } },
  },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
];
const env = { ...process.env, PROXMOX_LOG_LEVEL: 'warn' };
delete env.SSH_AUTH_SOCK;
const res = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), '--demo'], {
  input: messages.map((m) => JSON.stringify(m)).join('\n') + '\n',
  env,
  timeout: 30_000,
});
const answers = res.stdout
  .toString()
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const init = answers.find((a) => a.id === 1)?.result;
const list = answers.find((a) => a.id === 2)?.result;
if (!list) {
  process.stderr.write(res.stderr.toString());
  process.exit(1);
}
console.log(JSON.stringify({ instructions: init?.instructions ?? null, tools: list.tools }, null, 1));
