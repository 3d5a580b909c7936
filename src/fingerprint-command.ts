import { ConfigError } from './config/error.js';
import { parseInteger } from './config/env.js';
import { parseUrl } from './config/values.js';
import { probeCertificate } from './proxmox/cert-probe.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * `proxmox-mcp fingerprint https://host:8006`: prints the SHA-256 fingerprint of the certificate the node
 * serves and the PROXMOX_FINGERPRINT line to use. It trusts nothing by itself: the text says how to
 * check the fingerprint on the node before pasting the line, since whoever answers here could be anyone.
 */
export async function runFingerprintCommand(rawUrl: string | undefined, env: Record<string, string | undefined>): Promise<string> {
  if (!rawUrl) throw new ConfigError('fingerprint needs the node address, e.g. proxmox-mcp fingerprint https://pve.example.com:8006');
  const url = parseUrl(rawUrl, 'the address');
  const timeoutMs = parseInteger(env, 'PROXMOX_TIMEOUT', DEFAULT_TIMEOUT_MS, 100, 3_600_000);
  const { host, origin } = new URL(url);
  let cert;
  try {
    cert = await probeCertificate(url, { timeoutMs });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ECONNREFUSED'
        ? 'connection refused (is pveproxy running, and is the port 8006?)'
        : e.code === 'ENOTFOUND'
          ? 'no such host'
          : e.message;
    throw new ConfigError(`cannot read the certificate of ${host}: ${why}`);
  }
  return [
    `${origin} serves this certificate:`,
    `  subject   ${cert.subject || '(none)'}`,
    `  issuer    ${cert.issuer || '(none)'}`,
    `  valid     ${cert.validFrom} to ${cert.validTo}`,
    `  SHA-256   ${cert.fingerprint256}`,
    cert.trusted
      ? `The system's CAs already trust it for ${new URL(url).hostname}: no PROXMOX_FINGERPRINT is needed.`
      : `It is not trusted by the system's CAs (${cert.untrustedReason || 'unknown reason'}).`,
    '',
    'Nothing is trusted by this command. Compare the fingerprint with what the node itself says, as root on it:',
    '  openssl x509 -noout -fingerprint -sha256 -in /etc/pve/local/pveproxy-ssl.pem   # a custom or ACME certificate, if present',
    '  openssl x509 -noout -fingerprint -sha256 -in /etc/pve/local/pve-ssl.pem        # otherwise, the one PVE made',
    "or in the GUI under Node > System > Certificates. If they match, add this to the server's environment:",
    '',
    `PROXMOX_FINGERPRINT=${cert.fingerprint256}`,
    '',
    'A pinned fingerprint changes whenever the certificate is renewed (ACME: about every 60 days); for ACME',
    'certificates prefer PROXMOX_CA_FILE with the issuing CA, or no setting at all if the system trusts it.',
  ].join('\n');
}
