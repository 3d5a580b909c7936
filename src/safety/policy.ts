import { isDotSegment, splitPath } from '../proxmox/path.js';
import { parseRule, ruleMatches, type Rule } from './pattern.js';
import { sideEffectOf } from './side-effects.js';

export interface PolicyDecision {
  allowed: boolean;
  /** The rule that decided, as written. */
  rule?: string;
  /** Why a call was refused, naming the setting and rule to change. */
  reason?: string;
}

export interface PolicyOptions {
  allow: string[];
  deny: string[];
  readonly: boolean;
}

/**
 * PROXMOX_READONLY, PROXMOX_ALLOW and PROXMOX_DENY for one cluster. Read-only refuses every non-GET;
 * deny wins over allow; a non-empty allow list refuses everything it does not name.
 */
export class Policy {
  private readonly allow: Rule[];
  private readonly deny: Rule[];
  private readonly readonly: boolean;

  constructor(opts: PolicyOptions) {
    this.allow = opts.allow.map((r) => parseRule(r, 'PROXMOX_ALLOW'));
    this.deny = opts.deny.map((r) => parseRule(r, 'PROXMOX_DENY'));
    this.readonly = opts.readonly;
  }

  /**
   * `path` is the operation's template or a concrete path; `alsoConcrete` is the concrete path of the same
   * call, so a rule naming a concrete guest (`DELETE /nodes/pve1/qemu/100`) applies as well as one written
   * against the template.
   */
  check(method: string, path: string, alsoConcrete?: string): PolicyDecision {
    const verb = method.toUpperCase();
    const paths = alsoConcrete && alsoConcrete !== path ? [path, alsoConcrete] : [path];
    // A `..` segment would be resolved away by the URL parser after this check, so it could slip past a rule.
    for (const p of paths) {
      if (splitPath(p).some((s) => isDotSegment(s))) {
        return { allowed: false, reason: `the path contains a "." or ".." segment` };
      }
    }
    if (this.readonly && verb !== 'GET') {
      return { allowed: false, reason: 'PROXMOX_READONLY is on: only GET calls are allowed' };
    }
    const matches = (rule: Rule) => paths.some((p) => ruleMatches(rule, verb, p));
    const effect = this.readonly ? sideEffectOf(verb, ...paths) : undefined;
    // Read-only means no side effects: a GET that acts on the outside world needs an allow rule naming it
    // (one without `**`, so a blanket "GET /**" does not count).
    if (effect && !this.allow.some((r) => !r.segments.includes('**') && matches(r))) {
      return {
        allowed: false,
        reason: `PROXMOX_READONLY is on and this GET ${effect}; to permit it add "GET ${path}" to PROXMOX_ALLOW`,
      };
    }
    const denied = this.deny.find(matches);
    if (denied) return { allowed: false, rule: denied.text, reason: `refused by PROXMOX_DENY rule "${denied.text}"` };
    if (this.allow.length === 0) return { allowed: true };
    const allowed = this.allow.find(matches);
    if (allowed) return { allowed: true, rule: allowed.text };
    return { allowed: false, reason: `${verb} ${path} is not in PROXMOX_ALLOW` };
  }
}
