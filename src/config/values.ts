import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import type { Credentials } from '../proxmox/client.js';
import { normalizeBaseUrl, normalizeFingerprint } from '../proxmox/endpoint.js';
import { PRODUCTS, isProduct, productFacts, type Product } from '../proxmox/products.js';
import { ConfigError } from './error.js';
import { nodeCrypto } from '../lazy-crypto.js';

// What each kind of setting accepts, whichever source it comes from. A refusal says what the setting
// takes ("must be ..."), without naming it: the validator puts the name in the terms of the source.

/** A value a setting cannot take; `message` completes a sentence whose subject is the setting. */
export class Refusal extends Error {}

export const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/;

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

/**
 * `user@realm!tokenid=secret` or `user@realm!tokenid:secret` (PBS and PDM print the colon form), with or
 * without a leading `PVEAPIToken=` / `PBSAPIToken=` / `PDMAPIToken=`: the server sends each product its own form.
 */
export function apiToken(raw: string): Credentials {
  const value = raw.trim().replace(/^P(?:VE|BS|DM)APIToken=/i, '');
  // The secret is sent in a header: printable characters only.
  const m = /^([^\s@!=:]+@[^\s@!=:]+![A-Za-z0-9_][A-Za-z0-9._-]*)[=:]([\x21-\x7e]+)$/.exec(value);
  if (!m) throw new Refusal('must look like user@realm!tokenid=secret (or user@realm!tokenid:secret)');
  return { kind: 'token', tokenId: m[1], secret: m[2] };
}

export function product(raw: string): Product {
  const value = raw.trim().toLowerCase();
  if (!isProduct(value)) throw new Refusal(`must be one of ${PRODUCTS.join(', ')} (Proxmox VE, Backup Server, Datacenter Manager)`);
  return value;
}

export function baseUrl(raw: string, target: Product = 'pve'): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Refusal('must be a URL such as https://pve.example.com:8006');
  }
  // The URL parser drops tabs and line breaks without a word; a value holding them was not meant.
  if (CONTROL_CHARACTERS.test(raw.trim())) throw new Refusal('must not contain control characters');
  if (url.protocol !== 'https:') throw new Refusal('must start with https:// (Proxmox serves its API over TLS only)');
  if (url.username || url.password) throw new Refusal('must not hold credentials (user:password@); give them as an API token');
  // A bare host means the product's own port; with a path (a reverse proxy) the URL is taken as written.
  const explicitPort = /^https:\/\/(?:\[[^\]]*\]|[^/?#:]*):\d+/i.test(raw.trim());
  if (!explicitPort && /^\/?(api2\/json\/?)?$/.test(url.pathname.replace(/^\//, ''))) url.port = String(productFacts(target).defaultPort);
  return normalizeBaseUrl(url.toString());
}

export function certificateFingerprint(raw: string): string {
  try {
    return normalizeFingerprint(raw);
  } catch {
    throw new Refusal('must be a SHA-256 fingerprint: 64 hex digits, colons allowed (as the PVE GUI shows it)');
  }
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `67108864`, `64MiB`, `64M`, `512KiB`: a byte count with an optional binary unit. */
export function byteSize(raw: string | number, min: number, max: number): number {
  const m = /^(\d+)\s*(k|ki|kib|kb|m|mi|mib|mb|g|gi|gib|gb)?$/i.exec(String(raw).trim());
  const value = m ? Number(m[1]) * SIZE_UNITS[(m[2]?.[0] ?? '').toLowerCase()] : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Refusal(`must be a size from ${min / 1024} KiB to ${max / 1024 ** 2} MiB, e.g. 64MiB`);
  }
  return value;
}

export const RULE = /^(\*|GET|POST|PUT|DELETE)\s+\/\S*$/i;

export function policyRule(raw: string): string {
  const rule = raw.trim();
  if (rule.includes(',')) throw new Refusal('must hold one rule per list item (no commas)');
  if (!RULE.test(rule)) throw new Refusal('must be a rule like "DELETE /nodes/*/qemu/*" or "* /access/**"');
  return rule;
}

/** Larger files are not configuration: refused before they are read (think /dev/zero). */
const MAX_READ_BYTES = 4 * 1024 * 1024;

export function readSmallFile(file: string): Buffer {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    throw new Refusal('names a file that cannot be read');
  }
  if (size > MAX_READ_BYTES) throw new Refusal(`names a file larger than ${MAX_READ_BYTES / 1024 ** 2} MiB`);
  try {
    return readFileSync(file);
  } catch {
    throw new Refusal('names a file that cannot be read');
  }
}

/** A PEM file of one or more certificates, each of which Node can read; refused otherwise at start-up. */
export function pemCertificates(file: string): string {
  const text = readSmallFile(file).toString('utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const readable = blocks.every((b) => {
    try {
      new (nodeCrypto().X509Certificate)(b);
      return true;
    } catch {
      return false;
    }
  });
  if (!blocks.length || !readable) throw new Refusal('must be a PEM file of CA certificates (-----BEGIN CERTIFICATE----- blocks)');
  return text;
}

/** The same checks for callers outside the configuration (the `fingerprint` command, tests): one ConfigError naming `name`. */
export function named<T>(name: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof Refusal) throw new ConfigError(`${name} ${err.message}`);
    throw err;
  }
}

export const parseApiToken = (raw: string, name = 'PROXMOX_API_TOKEN'): Credentials => named(name, () => apiToken(raw));
export const parseProduct = (raw: string | undefined, name = 'PROXMOX_PRODUCT'): Product =>
  named(name, () => product(raw?.trim() || 'pve'));
export const parseUrl = (raw: string, name = 'PROXMOX_URL', target: Product = 'pve'): string => named(name, () => baseUrl(raw, target));
