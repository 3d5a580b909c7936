import { createHash, timingSafeEqual } from 'node:crypto';

export const REALM = 'proxmox-mcp';

export type BearerVerdict =
  { ok: true } | { ok: false; status: 401; challenge: string; body: { error: string; error_description: string } };

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Checks `Authorization: Bearer <token>` against the configured token. Both sides are hashed first:
 * timingSafeEqual needs equal lengths, and comparing digests leaks neither the token nor its length.
 */
export function bearerChecker(expected: string): (header: string | undefined) => BearerVerdict {
  const want = digest(expected);
  return (header) => {
    const m = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    if (!m) {
      // RFC 6750 §3.1: a request without credentials gets the bare challenge, no error code.
      return {
        ok: false,
        status: 401,
        challenge: `Bearer realm="${REALM}"`,
        body: { error: 'unauthorized', error_description: 'this endpoint needs Authorization: Bearer <MCP_AUTH_TOKEN>' },
      };
    }
    if (timingSafeEqual(digest(m[1]), want)) return { ok: true };
    return {
      ok: false,
      status: 401,
      challenge: `Bearer realm="${REALM}", error="invalid_token", error_description="the token is not valid"`,
      body: { error: 'invalid_token', error_description: 'the token is not valid' },
    };
  };
}
