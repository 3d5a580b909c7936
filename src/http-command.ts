import { openApp } from './app.js';
import { configSourceOf, type CommandOptions } from './command-options.js';
import { HEALTH_PATH, startHttpServer } from './http/serve.js';
import { assertSafeBind, httpOptionsFromEnv } from './http/options.js';
import { log } from './log.js';

/** `--http`: serves until SIGTERM/SIGINT, then lets calls in flight finish and exits. */
export async function serveHttp(opts: CommandOptions): Promise<void> {
  // Settings first: a bad MCP_* value or an unsafe bind should not start a simulator only to stop it.
  const httpOpts = httpOptionsFromEnv(process.env, { host: opts.host, port: opts.port === undefined ? undefined : Number(opts.port) });
  assertSafeBind(httpOpts.host, httpOpts.authToken);
  const app = await openApp(configSourceOf(opts));
  let handle: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    handle = await startHttpServer({ ...httpOpts, createServer: app.createServer });
  } catch (err) {
    await app.close();
    throw err;
  }
  log.info(
    `MCP over HTTP at ${handle.url} (${httpOpts.authToken ? 'bearer token required' : 'no authentication, loopback only'}; ` +
      `clusters: ${app.runtime.clusterNames.join(', ')}); health check at ${HEALTH_PATH}`,
  );
  // A long-running server has time: prepare the default cluster's schema and search before the first call.
  void app.runtime.warmUp().catch(() => undefined);
  const shutdown = async (signal: string) => {
    log.info(`${signal}: finishing calls in flight (up to ${httpOpts.shutdownGraceMs} ms), then exiting`);
    try {
      await handle.close();
      await app.close();
    } catch (err) {
      log.error(`shutdown: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    }
    process.exit(0);
  };
  // once: a second Ctrl-C gets Node's default and ends the process at once.
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
