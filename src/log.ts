/** Logs go to stderr: stdout belongs to the MCP protocol. */
const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = keyof typeof levels;

const threshold: number = levels[(process.env.PROXMOX_LOG_LEVEL?.trim().toLowerCase() as Level) ?? 'info'] ?? levels.info;

/** Set once the configuration is known: hides its secrets (every encoding) and secret-looking `key=value`s. */
let filter: (text: string) => string = (t) => t;

function write(level: Level, message: string): void {
  if (levels[level] < threshold) return;
  let text = message;
  try {
    text = filter(message);
  } catch {
    text = '(log line withheld: it could not be checked for secrets)';
  }
  process.stderr.write(`[proxmox-mcp] ${level}: ${text}\n`);
}

export const log = {
  debug: (m: string) => write('debug', m),
  info: (m: string) => write('info', m),
  warn: (m: string) => write('warn', m),
  error: (m: string) => write('error', m),
  setFilter(f: (text: string) => string) {
    filter = f;
  },
};
