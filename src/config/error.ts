/** A start-up configuration problem. The message names the setting and what it expects, never its value. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
