/**
 * The stand-in `pct exec` for the simulator's containers: `pct-guest.ts VMID SCRIPT` runs SCRIPT in the
 * simulated container of that id (the same content the simulator's guest shell serves), reading stdin,
 * and exits with the script's code. Container states follow the simulator's seed: a stopped container
 * answers like pct does.
 */
import { execInGuest } from '../../src/simulator/guest.js';
import { SimState } from '../../src/simulator/state.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<number> {
  const [vmidText, script] = process.argv.slice(2);
  const vmid = Number(vmidText);
  const g = new SimState().guests.get(vmid);
  if (!g || g.type !== 'lxc') {
    process.stderr.write(`Configuration file 'nodes/pve/lxc/${vmidText}.conf' does not exist\n`);
    return 255;
  }
  if (g.power === 'stopped') {
    process.stderr.write(`container '${vmid}' not running!\n`);
    return 255;
  }
  const r = execInGuest(g, ['/bin/sh', '-c', script ?? ''], await readStdin(), 16 * 1024 * 1024);
  if (r.durationMs) await new Promise((res) => setTimeout(res, Math.min(r.durationMs, 30_000)));
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r.exitcode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pct stand-in: ${String(err)}\n`);
    process.exitCode = 2;
  },
);
