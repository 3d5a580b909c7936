// How a node is named in the configuration: its base URL and the fingerprint of its certificate. Apart from
// the client, so that reading the configuration does not load the HTTPS client.

/** `https://host:8006`, without a trailing slash or `/api2/json`. */
export function normalizeBaseUrl(url: string): string {
  const u = new URL(url);
  let path = u.pathname.replace(/\/+$/, '');
  if (path.endsWith('/api2/json')) path = path.slice(0, -'/api2/json'.length);
  return `${u.protocol}//${u.host}${path}`;
}

/** `AB:CD:...` upper-case, the form the PVE GUI and `openssl x509 -fingerprint -sha256` print. */
export function normalizeFingerprint(fp: string): string {
  const hex = fp
    .replace(/^sha256[:=]/i, '')
    .replace(/[:\s]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new Error('expected a SHA-256 fingerprint: 64 hex digits, colons allowed');
  return hex.match(/../g)!.join(':');
}
