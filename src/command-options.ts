import type { ConfigSource } from './app.js';

/** What the command line chose, as the commands that serve or call take it. */
export interface CommandOptions {
  demo: boolean;
  http: boolean;
  host?: string;
  port?: string;
  config?: string;
}

export const configSourceOf = (opts: CommandOptions): ConfigSource => ({ demo: opts.demo, configFile: opts.config });
