import { isIP } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';

/** What a TLS server presented, seen without trusting it. */
export interface ServedCertificate {
  /** `AB:CD:…`, upper case, as the PVE GUI and `openssl x509 -fingerprint -sha256` print it. */
  fingerprint256: string;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** Whether the system's CAs (or `ca`) accept it for this host name. */
  trusted: boolean;
  /** Node's reason when not trusted, e.g. DEPTH_ZERO_SELF_SIGNED_CERT. */
  untrustedReason?: string;
}

const names = (n: PeerCertificate['subject'] | undefined) =>
  Object.entries(n ?? {})
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');

/**
 * Completes a TLS handshake with `https://host:port` and reports the certificate; sends no HTTP byte and
 * no credential, and closes at once. Bounded by `timeoutMs` from the first packet to the handshake's end.
 */
export function probeCertificate(url: string, opts: { timeoutMs: number; ca?: string | Buffer }): Promise<ServedCertificate> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 443);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername: isIP(host) ? undefined : host, rejectUnauthorized: false, ca: opts.ca });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(opts.timeoutMs, () =>
      fail(Object.assign(new Error(`no TLS handshake with ${u.host} within ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      if (!cert?.fingerprint256) return reject(new Error(`${u.host} completed the TLS handshake without a certificate`));
      resolve({
        fingerprint256: cert.fingerprint256.toUpperCase(),
        subject: names(cert.subject),
        issuer: names(cert.issuer),
        validFrom: cert.valid_from,
        validTo: cert.valid_to,
        trusted: socket.authorized,
        untrustedReason: socket.authorized ? undefined : String(socket.authorizationError ?? ''),
      });
    });
  });
}
