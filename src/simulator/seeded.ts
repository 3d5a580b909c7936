import { createHmac } from 'node:crypto';

/**
 * What `--seed` makes repeatable, for scripts and recorded demos: the simulator then serves this fixed
 * certificate (its private key is public, here in the source: it protects nothing and is only ever
 * served by the simulator) and derives its token secrets and login password from the seed.
 */
export const SEEDED_CERT = {
  key: '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbLEgN49XmeyDLZ4E\nWLZQslHDDgnTLY2ZqR0sgPRzn0qhRANCAASpjD+TT+29O1O+Gi9oguIoGvf4l2O5\nDY0eO+QrovMx4ehGeCeS7VW19pjbi1hFWnX/KQIzRg86t1QzTgok4LrM\n-----END PRIVATE KEY-----\n',
  cert: '-----BEGIN CERTIFICATE-----\nMIIB7zCCAZagAwIBAgIJatI9xLfMUfM6MAoGCCqGSM49BAMCMEoxGjAYBgNVBAMT\nEXB2ZTEuc2ltbGFiLmxvY2FsMSwwKgYDVQQKEyNQVkUgQ2x1c3RlciBOb2RlIChz\nZWVkZWQgc2ltdWxhdG9yKTAgFw0yNjAxMDEwMDAwMDBaGA8yMTI1MTIzMTAwMDAw\nMFowSjEaMBgGA1UEAxMRcHZlMS5zaW1sYWIubG9jYWwxLDAqBgNVBAoTI1BWRSBD\nbHVzdGVyIE5vZGUgKHNlZWRlZCBzaW11bGF0b3IpMFkwEwYHKoZIzj0CAQYIKoZI\nzj0DAQcDQgAEqYw/k0/tvTtTvhovaILiKBr3+JdjuQ2NHjvkK6LzMeHoRngnku1V\ntfaY24tYRVp1/ykCM0YPOrdUM04KJOC6zKNjMGEwCQYDVR0TBAIwADALBgNVHQ8E\nBAMCBaAwEwYDVR0lBAwwCgYIKwYBBQUHAwEwMgYDVR0RBCswKYIJbG9jYWxob3N0\nggRwdmUxhwR/AAABhxAAAAAAAAAAAAAAAAAAAAABMAoGCCqGSM49BAMCA0cAMEQC\nIBe/eN/bgKB+UbM+EaSmvrSK4czhAIkSon3VXZYEBn7rAiBE5hBarMZXt/Z1rw20\nD+5ag+psLpf0fvKoqZMp/gPgpw==\n-----END CERTIFICATE-----',
};

/** The same seed gives the same secrets; a UUID-shaped token secret like PVE's. */
export function seededSecrets(seed: string): { admin: string; readonly: string; password: string } {
  const derive = (label: string) => createHmac('sha256', seed).update(label).digest('hex');
  const uuid = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return {
    admin: uuid(derive('root@pam!mcp')),
    readonly: uuid(derive('auditor@pve!ro')),
    password: Buffer.from(derive('root@pam'), 'hex').subarray(0, 12).toString('base64url'),
  };
}
