/** Logs go to stderr: stdout belongs to the MCP protocol. */
const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = keyof typeof levels;

let threshold: number = levels[(process.env.PROXMOX_LOG_LEVEL?.trim().toLowerCase() as Level) ?? 'info'] ?? levels.info;

function write(level: Level, message: string): void {
  if (levels[level] < threshold) return;
  process.stderr.write(`[proxmox-mcp] ${level}: ${message}\n`);
}

export const log = {
  debug: (m: string) => write('debug', m),
  info: (m: string) => write('info', m),
  warn: (m: string) => write('warn', m),
  error: (m: string) => write('error', m),
  setLevel(level: Level) {
    threshold = levels[level];
  },
};
