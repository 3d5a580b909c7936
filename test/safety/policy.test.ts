import { describe, expect, it } from 'vitest';
import { Policy } from '../../src/safety/policy.js';
import { splitPath } from '../../src/proxmox/path.js';
import { matchSegments, parseRule } from '../../src/safety/pattern.js';

const policy = (allow: string[] = [], deny: string[] = [], readonly = false) => new Policy({ allow, deny, readonly });

describe('pattern matching', () => {
  const m = (pattern: string, path: string) => matchSegments(splitPath(pattern), splitPath(path));

  it('* matches exactly one segment, template or concrete', () => {
    expect(m('/nodes/*/qemu/*', '/nodes/{node}/qemu/{vmid}')).toBe(true);
    expect(m('/nodes/*/qemu/*', '/nodes/pve1/qemu/100')).toBe(true);
    expect(m('/nodes/*/qemu/*', '/nodes/pve1/qemu')).toBe(false);
    expect(m('/nodes/*/qemu/*', '/nodes/pve1/qemu/100/config')).toBe(false);
  });

  it('** matches any number of segments, including none', () => {
    expect(m('/access/**', '/access')).toBe(true);
    expect(m('/access/**', '/access/users/root@pam/token/x')).toBe(true);
    expect(m('/nodes/**/config', '/nodes/pve1/qemu/100/config')).toBe(true);
    expect(m('/nodes/**/config', '/nodes/pve1/qemu/100/status')).toBe(false);
    expect(m('/**/snapshot/*/rollback', '/nodes/a/lxc/101/snapshot/s1/rollback')).toBe(true);
  });

  it('a {name} segment in a rule matches any one segment; a literal does not match a placeholder', () => {
    expect(m('/nodes/{node}/qemu/{vmid}', '/nodes/pve1/qemu/100')).toBe(true);
    expect(m('/nodes/*/qemu/100', '/nodes/{node}/qemu/{vmid}')).toBe(false);
    expect(m('/nodes/*/qemu/100', '/nodes/pve1/qemu/100')).toBe(true);
  });

  it('compares percent-encoded segments decoded', () => {
    expect(m('/nodes/*/storage/local/content/local:iso%2Fx.iso', '/nodes/pve/storage/local/content/local%3Aiso%2Fx.iso')).toBe(true);
  });

  it('rejects malformed rules naming the variable and the expected form', () => {
    expect(() => parseRule('REMOVE /nodes', 'PROXMOX_DENY')).toThrow(/PROXMOX_DENY rule "REMOVE \/nodes".*METHOD \/path/);
    expect(() => parseRule('DELETE nodes/x', 'PROXMOX_ALLOW')).toThrow(/PROXMOX_ALLOW/);
    expect(() => parseRule('GET /nodes/pve*', 'PROXMOX_ALLOW')).toThrow(/bad path segment "pve\*"/);
    expect(() => parseRule('GET /nodes/../access', 'PROXMOX_ALLOW')).toThrow(/bad path segment/);
    expect(parseRule('delete /nodes/*', 'X').method).toBe('DELETE');
  });
});

describe('Policy', () => {
  it('allows everything with no rules', () => {
    expect(policy().check('DELETE', '/nodes/{node}/qemu/{vmid}', '/nodes/pve/qemu/100')).toEqual({ allowed: true });
  });

  it('refuses every non-GET in read-only mode', () => {
    const p = policy([], [], true);
    expect(p.check('GET', '/cluster/resources').allowed).toBe(true);
    const d = p.check('POST', '/nodes/{node}/qemu/{vmid}/status/start');
    expect(d.allowed).toBe(false);
    expect(d.reason).toMatch(/PROXMOX_READONLY/);
  });

  it('refuses by a deny rule and names it', () => {
    const p = policy([], ['DELETE /nodes/*/qemu/*']);
    const d = p.check('DELETE', '/nodes/{node}/qemu/{vmid}', '/nodes/pve/qemu/100');
    expect(d).toMatchObject({ allowed: false, rule: 'DELETE /nodes/*/qemu/*' });
    expect(d.reason).toBe('refused by PROXMOX_DENY rule "DELETE /nodes/*/qemu/*"');
    expect(p.check('DELETE', '/nodes/{node}/lxc/{vmid}', '/nodes/pve/lxc/100').allowed).toBe(true);
    expect(p.check('GET', '/nodes/{node}/qemu/{vmid}').allowed).toBe(true);
  });

  it('applies a rule naming a concrete guest through the concrete path', () => {
    const p = policy([], ['* /nodes/*/qemu/100/**']);
    expect(p.check('POST', '/nodes/{node}/qemu/{vmid}/status/stop', '/nodes/pve/qemu/100/status/stop').allowed).toBe(false);
    expect(p.check('POST', '/nodes/{node}/qemu/{vmid}/status/stop', '/nodes/pve/qemu/101/status/stop').allowed).toBe(true);
  });

  it('refuses what a non-empty allow list does not name', () => {
    const p = policy(['GET /**', 'POST /nodes/*/qemu/*/status/start']);
    expect(p.check('GET', '/cluster/resources')).toEqual({ allowed: true, rule: 'GET /**' });
    expect(p.check('POST', '/nodes/{node}/qemu/{vmid}/status/start').allowed).toBe(true);
    const d = p.check('POST', '/nodes/{node}/qemu/{vmid}/status/stop', '/nodes/pve/qemu/100/status/stop');
    expect(d.allowed).toBe(false);
    expect(d.reason).toMatch(/not in PROXMOX_ALLOW/);
  });

  it('lets deny win over allow', () => {
    const p = policy(['* /**'], ['* /access/**']);
    const d = p.check('PUT', '/access/acl');
    expect(d.allowed).toBe(false);
    expect(d.reason).toMatch(/PROXMOX_DENY rule "\* \/access\/\*\*"/);
    expect(p.check('PUT', '/nodes/{node}/config').allowed).toBe(true);
  });

  it('matches methods case-insensitively and * as any method', () => {
    const p = policy([], ['* /pools/**']);
    expect(p.check('get', '/pools').allowed).toBe(false);
    expect(policy([], ['post /cluster/ha/**']).check('POST', '/cluster/ha/rules').allowed).toBe(false);
  });

  it('refuses paths with dot segments, which the URL parser would resolve after the check', () => {
    const p = policy([], ['* /access/**']);
    expect(p.check('GET', '/nodes/pve', '/nodes/x/../../access/users').allowed).toBe(false);
    expect(p.check('GET', '/nodes/%2e%2e/access').allowed).toBe(false);
  });

  it('validates rules at construction', () => {
    expect(() => policy(['GET'])).toThrow(/PROXMOX_ALLOW/);
    expect(() => policy([], ['FETCH /x'])).toThrow(/PROXMOX_DENY.*GET, POST, PUT, DELETE or \*/);
  });
});
