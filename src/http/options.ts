import { BlockList, isIP } from 'node:net';
import { localhostAllowedHostnames, localhostAllowedOrigins } from '@modelcontextprotocol/server';
import { ConfigError } from '../config/error.js';
import { parseInteger } from '../config/env.js';

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
  /**
   * Addresses of reverse proxies whose X-Forwarded-For is believed (MCP_TRUST_PROXY); from them the client
   * is the last entry (the one the proxy added). Unset: the header is ignored.
   */
  trustProxy?: ProxyList;
  /** How long shutdown waits for calls in flight before cutting them off. */
  shutdownGraceMs: number;
}

/** Proxy addresses (single addresses or CIDR ranges, IPv4 or IPv6) trusted to report the client's address. */
export class ProxyList {
  private readonly list = new BlockList();
  constructor(readonly entries: readonly string[]) {
    for (const entry of entries) {
      const [addr, bits] = entry.split('/');
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(addr, family);
      else this.list.addSubnet(addr, Number(bits), family);
    }
  }

  includes(address: string): boolean {
    const a = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(a) === 6 ? 'ipv6' : isIP(a) === 4 ? 'ipv4' : undefined;
    return family !== undefined && this.list.check(a, family);
  }
}

const LOOPBACK_PROXIES = ['127.0.0.0/8', '::1'];

/** `true` trusts a proxy on this machine only; otherwise a comma-separated list of addresses or CIDR ranges. */
export function parseTrustProxy(raw: string | undefined): ProxyList | undefined {
  const value = raw?.trim() ?? '';
  if (/^(|0|false|no|off)$/i.test(value)) return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return new ProxyList(LOOPBACK_PROXIES);
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [addr, bits, extra] = entry.split('/');
    const max = isIP(addr) === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (!isIP(addr) || !okBits || extra !== undefined) {
      throw new ConfigError(
        `MCP_TRUST_PROXY must be true or a comma-separated list of proxy addresses or CIDR ranges (e.g. 10.0.0.5,192.168.1.0/24); "${entry.slice(0, 60)}" is neither`,
      );
    }
  }
  return new ProxyList(entries);
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 3000;
const MIN_TOKEN_LENGTH = 16;

/** Loopback only: names and addresses that cannot be reached from another machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
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
    throw new ConfigError(
      `refusing to listen on ${host} without MCP_AUTH_TOKEN: set a long random token (e.g. openssl rand -hex 32) or bind to 127.0.0.1`,
    );
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
  for (const item of (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
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
    trustProxy: parseTrustProxy(env.MCP_TRUST_PROXY),
    shutdownGraceMs: parseInteger(env, 'MCP_SHUTDOWN_GRACE', 10_000, 0, 600_000),
  };
}
