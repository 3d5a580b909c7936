import { spawn } from 'node:child_process';
import { StdioDriver } from './bench/stdio-driver.js';
const env = { ...process.env, PROXMOX_URL: 'https://127.0.0.1:9', PROXMOX_API_TOKEN: 'a@pve!b=c', PROXMOX_LOG_LEVEL: 'silent', PROXMOX_SCHEMA_FILE: '../shared/pve-apidoc/pve-9.2-apidoc.json' };
const bare: number[] = [], list: number[] = [], search: number[] = [];
for (let i = 0; i < 20; i++) {
  let t = performance.now();
  await new Promise<void>((r) => spawn(process.execPath, ['-e', '0']).on('exit', () => r()));
  bare.push(performance.now() - t);
  const d = new StdioDriver([process.argv[2] ?? 'dist/cli.js'], env);
  await d.initialize(); await d.request('tools/list'); list.push(performance.now() - d.spawnedAt);
  await d.callTool('proxmox-api-schema', { query: 'start a vm' }); search.push(performance.now() - d.spawnedAt); d.close();
}
const min = (a: number[]) => Math.min(...a); const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`bare min ${min(bare).toFixed(0)} med ${med(bare).toFixed(0)} | list min ${(min(list) / min(bare)).toFixed(2)}x med ${(med(list) / med(bare)).toFixed(2)}x | search min ${(min(search) / min(bare)).toFixed(2)}x med ${(med(search) / med(bare)).toFixed(2)}x`);
