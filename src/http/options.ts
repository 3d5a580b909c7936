import { isIP } from 'node:net';
import { localhostAllowedHostnames, localhostAllowedOrigins } from '@modelcontextprotocol/server';
import { ConfigError, parseBool, parseInteger } from '../config.js';

type Env = Record<string, string | undefined>;

export interface HttpOptions {
  host: string;
  port: number;
  /** Bearer token every /mcp request must carry; unset means no authentication (loopback only). */
  authToken?: string;
  /** Host header names accepted (no ports; IPv6 in brackets). */
  allowedHosts: string[];
  /** Origin host names accepted from browsers. */
  allowedOrigins: string[];
  maxBodyBytes: number;
  /** Requests per minute per client address; 0 turns limiting off. */
  rateLimitPerMinute: number;
  /** Behind a reverse proxy: the client is the last X-Forwarded-For entry (the one the proxy added). */
  trustProxy: boolean;
  /** How long shutdown waits for calls in flight before cutting them off. */
  shutdownGraceMs: number;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 3000;
const MIN_TOKEN_LENGTH = 16;

/** Loopback only: names and addresses that cannot be reached from another machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Serving the whole Proxmox API to anyone who can reach the port would hand out the cluster's
 * credentials, so a bind beyond loopback needs a bearer token.
 */
export function assertSafeBind(host: string, authToken: string | undefined): void {
  if (!isLoopbackHost(host) && !authToken) {
    throw new ConfigError(`refusing to listen on ${host} without MCP_AUTH_TOKEN: set a long random token (e.g. openssl rand -hex 32) or bind to 127.0.0.1`);
  }
}

/** Host header form of an address: IPv6 in brackets. */
function hostHeaderName(host: string): string {
  const h = host.trim().toLowerCase();
  return isIP(h) === 6 ? `[${h}]` : h;
}

/** `a.example.com, https://b.example.com:8443` -> host names; URLs are accepted because that is what people paste. */
function parseNameList(raw: string | undefined, name: string): string[] {
  const out: string[] = [];
  for (const item of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    let host = item;
    if (item.includes('://')) {
      try {
        host = new URL(item).hostname;
      } catch {
        throw new ConfigError(`${name} must be a comma-separated list of host names, e.g. mcp.example.com`);
      }
    } else if (!/^(\[[0-9a-f:.]+\]|[a-z0-9*][a-z0-9.-]*)$/i.test(item) && isIP(item) !== 6) {
      throw new ConfigError(`${name} must be a comma-separated list of host names without ports, e.g. mcp.example.com`);
    }
    out.push(hostHeaderName(host));
  }
  return out;
}

export function httpOptionsFromEnv(env: Env, cli: { host?: string; port?: number } = {}): HttpOptions {
  const host = (cli.host ?? env.MCP_HOST ?? DEFAULT_HOST).trim();
  if (!host) throw new ConfigError('--host must not be empty');
  let port = cli.port;
  if (port === undefined) port = parseInteger(env, 'MCP_PORT', DEFAULT_PORT, 0, 65535);
  else if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('--port must be a whole number from 0 to 65535');

  const authToken = env.MCP_AUTH_TOKEN?.trim() || undefined;
  if (authToken && (authToken.length < MIN_TOKEN_LENGTH || /\s/.test(authToken))) {
    throw new ConfigError(`MCP_AUTH_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters without spaces (e.g. openssl rand -hex 32)`);
  }

  const extraHosts = parseNameList(env.MCP_ALLOWED_HOSTS, 'MCP_ALLOWED_HOSTS');
  // A specific bind address is how clients will name the server; a wildcard bind names nothing.
  const bound = isIP(host) && /^(0\.0\.0\.0|::)$/.test(host) ? [] : [hostHeaderName(host)];
  const allowedHosts = [...new Set([...localhostAllowedHostnames(), ...bound, ...extraHosts])];
  const allowedOrigins = [
    ...new Set([...localhostAllowedOrigins(), ...bound, ...extraHosts, ...parseNameList(env.MCP_ALLOWED_ORIGINS, 'MCP_ALLOWED_ORIGINS')]),
  ];

  return {
    host,
    port,
    authToken,
    allowedHosts,
    allowedOrigins,
    maxBodyBytes: parseInteger(env, 'MCP_MAX_BODY', 1024 * 1024, 1024, 64 * 1024 * 1024),
    rateLimitPerMinute: parseInteger(env, 'MCP_RATE_LIMIT', 600, 0, 1_000_000),
    trustProxy: parseBool(env, 'MCP_TRUST_PROXY'),
    shutdownGraceMs: parseInteger(env, 'MCP_SHUTDOWN_GRACE', 10_000, 0, 600_000),
  };
}
