import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { identityFor, type Identity } from './access.js';
import { PveError } from './errors.js';
import type { SimState } from './state.js';

const TICKET_LIFETIME_S = 2 * 60 * 60;

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Credentials and tickets of one simulator: token secrets, the login password, the signing key. */
export class AuthService {
  private readonly key = randomBytes(32);
  readonly tokenSecrets = new Map<string, string>();
  readonly passwords = new Map<string, string>();

  constructor(
    private readonly state: SimState,
    /** Fixed secrets (from --seed); random ones otherwise. */
    fixed?: { admin: string; readonly: string; password: string },
  ) {
    this.tokenSecrets.set('root@pam!mcp', fixed?.admin ?? randomUUID());
    this.tokenSecrets.set('auditor@pve!ro', fixed?.readonly ?? randomUUID());
    this.passwords.set('root@pam', fixed?.password ?? randomBytes(12).toString('base64url'));
  }

  /** Who a user or token is, with privileges resolved against the live ACL state on every check. */
  identity(userid: string, tokenid?: string): Identity {
    return identityFor(this.state.aclSource, userid, tokenid);
  }

  /** Who an unauthenticated request (login, world-readable calls) acts as: nobody, with no privileges. */
  anonymous(): Identity {
    return { userid: '', privsAt: () => new Map() };
  }

  /** Registers a token secret (tokens created through the API can authenticate right away). */
  setTokenSecret(userid: string, tokenid: string, secret: string): void {
    this.tokenSecrets.set(`${userid}!${tokenid}`, secret);
  }

  /** `PVEAPIToken=user@realm!tokenid=secret` (PVE also accepts a space or colon after the scheme). */
  fromToken(header: string): Identity {
    const m = /^PVEAPIToken[=: ]\s*([^!\s]+)!([^=\s]+)=(\S+)$/.exec(header.trim());
    if (!m) throw new PveError(401, 'authentication failure');
    const [, userid, tokenid, secret] = m;
    const expected = this.tokenSecrets.get(`${userid}!${tokenid}`);
    if (!expected || !safeEqual(expected, secret)) throw new PveError(401, 'authentication failure');
    const user = this.state.users.get(userid);
    const token = user?.tokens.find((t) => t.tokenid === tokenid);
    const nowS = Date.now() / 1000;
    if (!user || !token || user.enable !== 1 || (user.expire && user.expire < nowS) || (token.expire && token.expire < nowS)) {
      throw new PveError(401, 'authentication failure');
    }
    return this.identity(userid, tokenid);
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64').replace(/=+$/, '');
  }

  issueTicket(userid: string): { ticket: string; csrf: string } {
    const t = Math.floor(Date.now() / 1000)
      .toString(16)
      .toUpperCase();
    const plain = `PVE:${userid}:${t}`;
    return { ticket: `${plain}::${this.sign(plain)}`, csrf: `${t}:${this.sign(`csrf:${userid}:${t}`)}` };
  }

  /** The user a ticket belongs to, or undefined when it is forged or expired. */
  verifyTicket(ticket: string): string | undefined {
    const m = /^PVE:([^:]+):([0-9A-F]{8})::(.+)$/.exec(ticket);
    if (!m) return undefined;
    const [, userid, t, sig] = m;
    if (!safeEqual(sig, this.sign(`PVE:${userid}:${t}`))) return undefined;
    const age = Date.now() / 1000 - parseInt(t, 16);
    return age >= -300 && age < TICKET_LIFETIME_S ? userid : undefined;
  }

  verifyCsrf(userid: string, token: string | undefined): boolean {
    if (!token) return false;
    const m = /^([0-9A-F]{8}):(.+)$/.exec(token);
    if (!m) return false;
    const age = Date.now() / 1000 - parseInt(m[1], 16);
    return safeEqual(m[2], this.sign(`csrf:${userid}:${m[1]}`)) && age >= -300 && age < TICKET_LIFETIME_S;
  }

  /** POST /access/ticket: a password, or a still valid ticket of the same user (renewal). */
  login(username: string, password: string, realm?: string): string {
    const userid = username.includes('@') ? username : `${username}@${realm ?? 'pam'}`;
    const user = this.state.users.get(userid);
    const known = this.passwords.get(userid);
    const valid =
      user?.enable === 1 &&
      !(user.expire && user.expire < Date.now() / 1000) &&
      ((known !== undefined && safeEqual(known, password)) || this.verifyTicket(password) === userid);
    if (!valid) throw new PveError(401, 'authentication failure');
    return userid;
  }
}
