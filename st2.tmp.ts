import { spawn } from 'node:child_process';
import { StdioDriver } from './bench/stdio-driver.js';
const bare: number[] = [], list: number[] = [];
for (let i = 0; i < 20; i++) {
  let t = performance.now();
  await new Promise<void>((r) => spawn(process.execPath, ['-e', '0']).on('exit', () => r()));
  bare.push(performance.now() - t);
  const d = new StdioDriver(['/tmp/minsrv/min.mjs'], process.env);
  await d.initialize(); await d.request('tools/list'); list.push(performance.now() - d.spawnedAt); d.close();
}
const min = (a: number[]) => Math.min(...a); const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`minimal: list min ${(min(list) / min(bare)).toFixed(2)}x med ${(med(list) / med(bare)).toFixed(2)}x`);
