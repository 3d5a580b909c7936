// `npm run demo`: a short tour through the real MCP protocol. It starts `proxmox-mcp --demo` (the MCP
// server backed by an in-process simulated cluster) over stdio, then drives it as an AI client would.
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const indent = (s, max = 14) => {
  const lines = s.split('\n');
  const shown = lines.slice(0, max).map((l) => '    ' + l);
  if (lines.length > max) shown.push(`    ... (${lines.length - max} more lines)`);
  return shown.join('\n');
};

const client = new Client({ name: 'proxmox-mcp-demo', version: '1.0.0' });
await client.connect(
  new StdioClientTransport({
    command: process.execPath,
    args: [path.join(root, 'dist/cli.js'), '--demo'],
    env: { ...process.env, PROXMOX_LOG_LEVEL: 'warn', PROXMOX_CONFIRM: 'param' },
    stderr: 'inherit',
  }),
);

let step = 0;
async function call(title, name, args, { expectError = false } = {}) {
  step++;
  console.log(`\n${bold(`${step}. ${title}`)}\n  ${name} ${JSON.stringify(args)}`);
  const result = await client.callTool({ name, arguments: args });
  const text = result.content.map((c) => c.text ?? '').join('\n');
  console.log(indent(text));
  if (result.isError && !expectError) throw new Error(`${name} failed: ${text}`);
  return text;
}

try {
  const { tools } = await client.listTools();
  console.log(bold('Tools offered by proxmox-mcp (backed by a simulated 3-node PVE cluster):'));
  for (const t of tools) console.log(`  ${t.name.padEnd(36)} ${t.annotations?.readOnlyHint ? 'read-only' : 'writes'}`);

  await call('Discover how to snapshot a VM', 'proxmox-api-schema', { query: 'take a snapshot of a virtual machine' });
  await call('Read the parameters of that operation', 'proxmox-api-schema', { path: '/nodes/{node}/qemu/{vmid}/snapshot', method: 'POST' });
  const guests = await call('List the running VMs of the cluster', 'proxmox-api-read', {
    path: '/cluster/resources',
    params: { type: 'vm' },
    filter: ['type=qemu', 'status=running'],
    fields: ['vmid', 'name', 'node', 'status'],
    sort: 'vmid',
  });
  // Pick the first running VM from the table or JSON the server printed.
  const row = guests
    .split('\n')
    .map((l) => l.match(/\b(\d{3,})\b.*?\b(pve\d)\b/))
    .find(Boolean);
  const vmid = row ? Number(row[1]) : 100;
  const node = row ? row[2] : 'pve1';
  await call(`Snapshot VM ${vmid} and wait for the task`, 'proxmox-api', {
    path: `/nodes/${node}/qemu/${vmid}/snapshot`,
    method: 'POST',
    params: { snapname: `demo${Date.now() % 100000}`, description: 'taken by the proxmox-mcp demo' },
  });
  await call(`List the snapshots of VM ${vmid}`, 'proxmox-api-read', {
    path: `/nodes/${node}/qemu/${vmid}/snapshot`,
    fields: ['name', 'description'],
  });
  // Commands in guests need the user's yes. This client cannot ask a human (no elicitation), so the first
  // call answers with a preview ending in `confirm: "TOKEN"`; the demo plays the user who agrees.
  const command = { node, vmid, command: 'cat /etc/os-release' };
  const preview = await call(`Ask to run a command inside VM ${vmid}: a preview comes back`, 'proxmox-execute-vm-command', command, {
    expectError: true,
  });
  const token = /^confirm: "([^"]+)"$/m.exec(preview)?.[1];
  await call(`The user agreed: the same call with its token (QEMU guest agent)`, 'proxmox-execute-vm-command', {
    ...command,
    confirm: token,
  });
  await call('A mistake the server catches before calling Proxmox', 'proxmox-api', {
    path: `/nodes/${node}/qemu/${vmid}/config`,
    method: 'PUT',
    params: { memroy: 4096 },
  }).catch(() => console.log(`    (refused as expected)`));
  console.log(
    `\n${bold('Done.')} Connect any MCP client to \`node ${path.join(root, 'dist/cli.js')} --demo\` (or \`proxmox-mcp --demo\` once installed) to explore further.`,
  );
} finally {
  await client.close();
}
