import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { openApp } from './app.js';
import { configSourceOf, type CommandOptions } from './command-options.js';
import { guardStdin } from './stdio-guard.js';

const WARM_UP_DELAY_MS = 500;

/** The default command: one MCP session over stdin and stdout, until the client closes stdin. */
export async function serveStdio(opts: CommandOptions): Promise<void> {
  const app = await openApp(configSourceOf(opts));
  const server = app.createSessionServer();
  const shutdown = async () => {
    await server.close().catch(() => undefined);
    await app.close();
    process.exit(0);
  };
  process.stdin.on('end', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // Messages the SDK transport cannot take get an error answer instead of silence (src/stdio-guard.ts).
  await server.connect(new StdioServerTransport(guardStdin(process.stdin, process.stdout), process.stdout));
  // A model's first call usually comes seconds after the tool list; have the schema ready by then.
  setTimeout(() => void app.runtime.warmUp().catch(() => undefined), WARM_UP_DELAY_MS).unref();
}
