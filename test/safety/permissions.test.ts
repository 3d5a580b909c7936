import { describe, expect, it } from 'vitest';
import { evaluateCheck, evaluatePermissions, privilegesAt, type PermissionMap } from '../../src/safety/permissions.js';
import { TokenPermissions } from '../../src/safety/token-permissions.js';
import type { ApiRequest, ProxmoxClient } from '../../src/proxmox/client.js';

// Shaped like PVE's answer: an operator with PVEVMUser on /vms (propagating), Sys.Audit on / only, and
// VM.Config.Disk on /vms/101 alone.
const MAP: PermissionMap = {
  '/': { 'Sys.Audit': 0 },
  '/vms': { 'VM.Audit': 1, 'VM.PowerMgmt': 1, 'VM.Console': 1 },
  '/vms/101': { 'VM.Audit': 1, 'VM.PowerMgmt': 1, 'VM.Console': 1, 'VM.Config.Disk': 0 },
  '/storage/local': { 'Datastore.Audit': 1 },
  '/access/groups/ops': { 'User.Modify': 1 },
};

describe('privileges on a concrete path', () => {
  it("takes the path's own entry and what propagates from above, not what does not", () => {
    expect([...privilegesAt(MAP, '/vms/100')].sort()).toEqual(['VM.Audit', 'VM.Console', 'VM.PowerMgmt']);
    expect(privilegesAt(MAP, '/vms/101').has('VM.Config.Disk')).toBe(true);
    expect(privilegesAt(MAP, '/vms/101/x').has('VM.Config.Disk')).toBe(false);
    expect(privilegesAt(MAP, '/').has('Sys.Audit')).toBe(true);
    expect(privilegesAt(MAP, '/nodes/pve1').has('Sys.Audit')).toBe(false);
    expect(privilegesAt(MAP, '//vms//100/').has('VM.PowerMgmt')).toBe(true);
  });
  it('is not fooled by prototype keys', () => {
    expect(privilegesAt(MAP, '/__proto__').size).toBe(0);
    expect(privilegesAt(MAP, '/constructor').size).toBe(0);
  });
});

describe('evaluating schema permission checks', () => {
  const params = { node: 'pve1', vmid: 100 };
  it('perm: names the missing privilege and the concrete path', () => {
    expect(evaluateCheck(['perm', '/vms/{vmid}', ['VM.PowerMgmt']], MAP, params)).toEqual({ kind: 'allowed' });
    expect(evaluateCheck(['perm', '/vms/{vmid}', ['VM.Snapshot']], MAP, params)).toEqual({
      kind: 'denied',
      missing: 'VM.Snapshot on /vms/100',
    });
    expect(evaluateCheck(['perm', '/nodes/{node}', ['Sys.PowerMgmt']], MAP, params)).toEqual({
      kind: 'denied',
      missing: 'Sys.PowerMgmt on /nodes/pve1',
    });
    expect(evaluateCheck(['perm', '/vms/{vmid}', ['VM.Config.Disk', 'VM.Config.CDROM']], MAP, { vmid: 101 })).toEqual({
      kind: 'denied',
      missing: 'VM.Config.CDROM on /vms/101',
    });
  });
  it('perm with any: one privilege is enough', () => {
    expect(evaluateCheck(['perm', '/vms/{vmid}', ['VM.Snapshot', 'VM.Console'], 'any', 1], MAP, params).kind).toBe('allowed');
    expect(evaluateCheck(['perm', '/vms/{vmid}', ['VM.Snapshot', 'VM.Backup'], 'any', 1], MAP, params)).toEqual({
      kind: 'denied',
      missing: 'one of VM.Snapshot, VM.Backup on /vms/100',
    });
  });
  it('and / or combine, unknown parts stay unknown', () => {
    const powerOrConsole = ['or', ['perm', '/vms/{vmid}', ['VM.Snapshot']], ['perm', '/vms/{vmid}', ['VM.Console']]];
    expect(evaluateCheck(powerOrConsole, MAP, params).kind).toBe('allowed');
    expect(evaluateCheck(['or', ['perm', '/', ['Sys.Modify']], ['perm', '/nodes/{node}', ['Sys.Console']]], MAP, params)).toEqual({
      kind: 'denied',
      missing: 'Sys.Modify on / or Sys.Console on /nodes/pve1',
    });
    expect(evaluateCheck(['and', ['perm', '/vms/{vmid}', ['VM.Audit']], ['perm', '/', ['Sys.Modify']]], MAP, params)).toEqual({
      kind: 'denied',
      missing: 'Sys.Modify on /',
    });
    expect(evaluateCheck(['and', ['perm', '/vms/{vmid}', ['VM.Audit']], ['perm-modify', '{path}']], MAP, params).kind).toBe('unknown');
    expect(
      evaluateCheck(['or', ['userid-param', 'self'], ['perm', '/access/users/{userid}', ['User.Modify']]], MAP, { userid: 'x@pve' }).kind,
    ).toBe('unknown');
  });
  it('require_param: without the parameter the node decides', () => {
    expect(evaluateCheck(['perm', '/storage/{storage}', ['Datastore.Allocate'], 'require_param', 'storage'], MAP, {}).kind).toBe('unknown');
    expect(
      evaluateCheck(['perm', '/storage/{storage}', ['Datastore.Allocate'], 'require_param', 'storage'], MAP, { storage: 'local' }),
    ).toEqual({ kind: 'denied', missing: 'Datastore.Allocate on /storage/local' });
  });
  it('userid-param and userid-group', () => {
    expect(evaluateCheck(['userid-param', 'Realm.AllocateUser'], MAP, { userid: 'bob@ldap' })).toEqual({
      kind: 'denied',
      missing: 'Realm.AllocateUser on /access/realm/ldap',
    });
    expect(evaluateCheck(['userid-group', ['User.Modify']], MAP, { userid: 'bob@pve' }).kind).toBe('unknown'); // held on group ops
    expect(evaluateCheck(['userid-group', ['Group.Allocate']], MAP, { userid: 'bob@pve' })).toEqual({
      kind: 'denied',
      missing: 'Group.Allocate on /access/groups',
    });
    expect(evaluateCheck(['userid-group', ['User.Modify']], { '/': { 'User.Modify': 1 } }, { userid: 'bob@pve' }).kind).toBe('allowed');
  });
  it('a path value missing (discovery): only a privilege held nowhere is certain', () => {
    expect(evaluateCheck(['perm', '/vms/{vmid}', ['VM.PowerMgmt']], MAP).kind).toBe('unknown');
    expect(evaluateCheck(['perm', '/vms/{vmid}', ['VM.Allocate']], MAP)).toEqual({ kind: 'denied', missing: 'VM.Allocate on /vms/{vmid}' });
  });
  it('whatever is not understood says nothing', () => {
    for (const check of [
      null,
      'perm',
      [],
      ['perm'],
      ['perm', '/', 'Sys.Audit'],
      ['perm', '/', []],
      ['perm', '/', ['X'], 'weird', 1],
      ['frobnicate', 1],
      ['perm-modify', '{path}'],
      { 0: 'perm' },
    ]) {
      expect(evaluateCheck(check, MAP, params).kind).not.toBe('denied');
    }
    expect(evaluatePermissions({ user: 'all' }, MAP, params).kind).toBe('unknown');
    expect(evaluatePermissions({ description: 'checked in code', user: 'all' }, MAP, params).kind).toBe('unknown');
    expect(evaluatePermissions(undefined, MAP, params).kind).toBe('unknown');
    let deep: unknown = ['perm', '/', ['Sys.Modify']];
    for (let i = 0; i < 100; i++) deep = ['and', deep];
    expect(evaluateCheck(deep, MAP, params).kind).toBe('unknown');
  });
});

describe("the token's permissions, cached", () => {
  function fakeClient(answers: Array<unknown | Error>): ProxmoxClient & { calls: number } {
    const c = {
      calls: 0,
      baseUrl: 'https://127.0.0.1:1',
      async request(req: ApiRequest) {
        expect(req.path).toBe('/access/permissions');
        const a = answers[Math.min(c.calls++, answers.length - 1)];
        if (a instanceof Error) throw a;
        return { status: 200, reason: 'OK', data: a } as never;
      },
      fetchText: async () => '',
      close() {},
    };
    return c;
  }
  const stop = { check: ['perm', '/vms/{vmid}', ['VM.PowerMgmt']] };

  it('reads once a minute, and again before a refusal that would rest on an earlier answer', async () => {
    let now = 0;
    const client = fakeClient([{ '/': { 'VM.Audit': 1 } }, { '/': { 'VM.Audit': 1 } }, { '/': { 'VM.Audit': 1, 'VM.PowerMgmt': 1 } }]);
    const perms = new TokenPermissions(client, { now: () => now });
    expect(await perms.lacking(stop, { vmid: 100 })).toBe('VM.PowerMgmt on /vms/100');
    expect(client.calls).toBe(1); // read for this very call: fresh enough
    expect(await perms.lacking({ check: ['perm', '/vms/{vmid}', ['VM.Audit']] }, { vmid: 101 })).toBeUndefined();
    expect(client.calls).toBe(1); // allowed on the cached answer
    expect(await perms.lacking(stop, { vmid: 101 })).toBe('VM.PowerMgmt on /vms/101');
    expect(client.calls).toBe(2);
    now += 1000; // granted meanwhile: the refusal is checked against a fresh read
    expect(await perms.lacking(stop, { vmid: 100 })).toBeUndefined();
    expect(client.calls).toBe(3);
    now += 61_000;
    await perms.lacking({ check: ['perm', '/vms/{vmid}', ['VM.Audit']] }, { vmid: 101 });
    expect(client.calls).toBe(4); // older than a minute: read again
  });

  it('says nothing when the permissions cannot be read, and does not retry on every call', async () => {
    const client = fakeClient([new Error('403 Permission check failed')]);
    const perms = new TokenPermissions(client, { now: () => 0 });
    expect(await perms.lacking(stop, { vmid: 100 })).toBeUndefined();
    expect(await perms.lacking(stop, { vmid: 100 })).toBeUndefined();
    expect(client.calls).toBe(1);
    for (const odd of [null, 'text', [1, 2], 42]) {
      const p = new TokenPermissions(fakeClient([odd]), { now: () => 0 });
      expect(await p.lacking(stop, { vmid: 100 })).toBeUndefined();
    }
  });
});
