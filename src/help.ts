import { ENV_SETTINGS, type EnvSetting } from './config/env.js';
import { VERSION } from './version.js';

/** The configuration variables by group, from the table the server reads them with (src/config/env.ts). */
function settingsHelp(): string {
  const names = (group: EnvSetting['group']) =>
    ENV_SETTINGS.filter((s) => s.group === group && s.name.startsWith('PROXMOX_')).map((s) => (s.hint ? `${s.name} (${s.hint})` : s.name));
  const wrap = (title: string, items: string[]) => {
    const lines: string[] = [];
    let line = `${title}:`;
    items.forEach((item, i) => {
      const piece = i < items.length - 1 ? `${item},` : item;
      if (line.length + 1 + piece.length > 118) {
        lines.push(line);
        line = ' ';
      }
      line += ` ${piece}`;
    });
    return [...lines, line].join('\n');
  };
  return [
    wrap('Cluster', [...names('cluster'), 'PROXMOX_CONFIG (a config file, see --config)']),
    wrap('Safety', names('safety')),
    wrap('SSH (container commands)', names('ssh')),
  ].join('\n');
}

export const HELP = `proxmox-mcp ${VERSION}: the Proxmox VE API as an MCP server

Usage:
  proxmox-mcp                          MCP server over stdio, configured by PROXMOX_* variables
  proxmox-mcp --demo                   the same, backed by a simulated PVE cluster and Backup Server (no Proxmox needed)
  proxmox-mcp --config FILE            several clusters from a YAML or JSON file (or PROXMOX_CONFIG)
  proxmox-mcp --http [--host H] [--port N] [--demo | --config FILE]
                                       MCP over Streamable HTTP at http://H:N/mcp (default 127.0.0.1:3000)
  proxmox-mcp simulator [--product pve|pbs] [--port N] [--host H] [--seed S]
                                       the simulated cluster (or Backup Server) alone; prints its URL, tokens and fingerprint
                                       (the same ones on every start with the same --seed)
  proxmox-mcp call TOOL 'JSON' [--demo]
                                       one tool call from the shell, result printed
  proxmox-mcp fingerprint https://HOST:8006
                                       the SHA-256 fingerprint of the certificate a node serves, and the
                                       PROXMOX_FINGERPRINT line to use once you have checked it
  proxmox-mcp audit verify FILE [NEWER_FILE ...]
                                       checks the audit log's hash chain; names the first bad line (exit 1)
  proxmox-mcp --version | -V | --help | -h

${settingsHelp()}
HTTP: MCP_HOST, MCP_PORT (or --host, --port), MCP_AUTH_TOKEN (required off loopback), MCP_ALLOWED_HOSTS,
  MCP_ALLOWED_ORIGINS, MCP_MAX_BODY, MCP_RATE_LIMIT, MCP_TRUST_PROXY, MCP_SHUTDOWN_GRACE
Logging: PROXMOX_LOG_LEVEL (debug, info, warn, error, silent; to stderr)
Demo: PROXMOX_DEMO_TASK_MS (how long simulated tasks run)
See README.md for details.`;
