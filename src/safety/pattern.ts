/**
 * `METHOD /path/pattern` rules, shared by PROXMOX_ALLOW / PROXMOX_DENY and the destructive-operation list,
 * so both read the same way.
 *
 * A pattern segment is a literal, `*` (exactly one segment), `**` (any number, including none) or a
 * `{name}` placeholder (one segment, like `*`, so rules can be copied from the API viewer).
 * Paths may be templates (`/nodes/{node}/qemu/{vmid}`) or concrete and percent-encoded
 * (`/nodes/pve1/qemu/100`): a wildcard matches either, a literal matches only the same literal.
 */

import { decodeSegment, isDotSegment, splitPath } from '../proxmox/path.js';

export const RULE_METHODS = ['GET', 'POST', 'PUT', 'DELETE', '*'] as const;
export type RuleMethod = (typeof RULE_METHODS)[number];

export interface Rule {
  /** The rule as written, for messages. */
  text: string;
  method: RuleMethod;
  segments: string[];
}

const PLACEHOLDER = /^\{[^{}/]+\}$/;

export function ruleFormHelp(variable: string): string {
  return (
    `${variable} takes comma-separated rules of the form "METHOD /path", METHOD one of GET, POST, PUT, DELETE or *, ` +
    `path segments literal, * (one segment), ** (any number) or {name}; e.g. "DELETE /nodes/*/qemu/*" or "* /access/**"`
  );
}

/** Parses one rule; `variable` names the setting it came from so the error says where to fix it. */
export function parseRule(text: string, variable: string): Rule {
  const m = /^\s*(\S+)\s+(\/\S*)\s*$/.exec(text);
  const method = m?.[1].toUpperCase();
  if (!m || !RULE_METHODS.includes(method as RuleMethod)) {
    throw new Error(`${variable} rule "${text.trim()}" is not valid: ${ruleFormHelp(variable)}`);
  }
  const segments = splitPath(m[2]);
  for (const seg of segments) {
    const wildcardInside = seg.includes('*') && seg !== '*' && seg !== '**';
    const braceInside = /[{}]/.test(seg) && !PLACEHOLDER.test(seg);
    if (wildcardInside || braceInside || isDotSegment(seg)) {
      throw new Error(`${variable} rule "${text.trim()}" has a bad path segment "${seg}": ${ruleFormHelp(variable)}`);
    }
  }
  return { text: text.trim(), method: method as RuleMethod, segments };
}

function segmentMatches(pattern: string, segment: string): boolean {
  if (pattern === '*' || PLACEHOLDER.test(pattern)) return true;
  return pattern === segment || decodeSegment(pattern) === decodeSegment(segment);
}

export function matchSegments(pattern: readonly string[], path: readonly string[]): boolean {
  // Iterative glob match with one backtrack point per `**`, linear for the patterns people write.
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < path.length) {
    if (p < pattern.length && pattern[p] === '**') {
      starP = p++;
      starS = s;
    } else if (p < pattern.length && segmentMatches(pattern[p], path[s])) {
      p++;
      s++;
    } else if (starP >= 0) {
      p = starP + 1;
      s = ++starS;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '**') p++;
  return p === pattern.length;
}

export function ruleMatches(rule: Rule, method: string, path: string): boolean {
  if (rule.method !== '*' && rule.method !== method.toUpperCase()) return false;
  return matchSegments(rule.segments, splitPath(path));
}
