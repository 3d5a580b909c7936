import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = path.join(root, 'dist/cli.js');
export const simulatorSource = path.join(root, 'src/simulator/index.ts');

/** `dist/cli.js --http --demo` needs the bundle (npm test builds it) and the simulator. */
export const demoMissing = !existsSync(cli)
  ? `${cli} is missing (run npm run build)`
  : !existsSync(simulatorSource)
    ? `${simulatorSource} is missing`
    : undefined;

export interface CliServer {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<number | null>;
}

/** Starts the built CLI on an ephemeral loopback port and reads the endpoint from its start-up line. */
export async function startCliHttp(args: string[], env: Record<string, string | undefined> = {}): Promise<CliServer> {
  const clean: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PROXMOX_') && !k.startsWith('MCP_')) clean[k] = v;
  const child = spawn(process.execPath, [cli, '--http', '--host', '127.0.0.1', '--port', '0', ...args], {
    env: { ...clean, PROXMOX_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line within 20 s; stderr:\n${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /MCP over HTTP at (http:\/\/\S+\/mcp)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}; stderr:\n${err}`));
    });
  });
  return {
    url,
    child,
    stderr: () => err,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
        child.kill('SIGTERM');
      }),
  };
}
