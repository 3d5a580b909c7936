import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { effectivePrivs, identityFor, evaluateCheck, type AclSource } from '../../src/simulator/access.js';
import { PveError } from '../../src/simulator/errors.js';
import { haveCli, mcpSession, type McpSession } from './mcp-harness.js';
import { rawRequest, tokenHeader } from './helpers.js';

/** A tiny ACL world, to pin PVE's evaluation rules down without a server. */
function world(
  acl: AclSource['acl'],
  opts: { groups?: Record<string, string[]>; tokens?: Record<string, 0 | 1>; pools?: Record<string, string> } = {},
): AclSource {
  return {
    acl,
    roles: new Map([
      ['Admin', ['VM.Audit', 'VM.PowerMgmt', 'Sys.Audit', 'Sys.Modify']],
      ['Audit', ['VM.Audit', 'Sys.Audit']],
      ['Power', ['VM.PowerMgmt']],
      ['NoAccess', []],
    ]),
    groupsOf: (u) => opts.groups?.[u] ?? (u.startsWith('unknown') ? undefined : []),
    tokenPrivsep: (u, t) => opts.tokens?.[`${u}!${t}`],
    poolOf: (p) => opts.pools?.[p],
  };
}

const privs = (src: AclSource, user: string, path: string, token?: string) => [...effectivePrivs(src, user, token, path).keys()].sort();

describe('ACL evaluation like PVE', () => {
  it('propagates down the tree unless propagate is off, which applies to the path itself only', () => {
    const src = world([
      { path: '/vms', type: 'user', ugid: 'a@pve', roleid: 'Audit', propagate: 1 },
      { path: '/nodes', type: 'user', ugid: 'a@pve', roleid: 'Admin', propagate: 0 },
    ]);
    expect(privs(src, 'a@pve', '/vms/101')).toEqual(['Sys.Audit', 'VM.Audit']);
    expect(privs(src, 'a@pve', '/nodes')).toContain('Sys.Modify');
    expect(privs(src, 'a@pve', '/nodes/pve1')).toEqual([]);
    expect(privs(src, 'a@pve', '/')).toEqual([]);
  });

  it('lets a deeper entry replace what was inherited, and a user entry win over group entries', () => {
    const src = world(
      [
        { path: '/', type: 'group', ugid: 'ops', roleid: 'Admin', propagate: 1 },
        { path: '/vms/100', type: 'group', ugid: 'ops', roleid: 'Audit', propagate: 1 },
        { path: '/vms/101', type: 'user', ugid: 'a@pve', roleid: 'Power', propagate: 1 },
        { path: '/vms/101', type: 'group', ugid: 'ops', roleid: 'Admin', propagate: 1 },
        { path: '/vms/102', type: 'user', ugid: 'a@pve', roleid: 'NoAccess', propagate: 1 },
      ],
      { groups: { 'a@pve': ['ops'] } },
    );
    expect(privs(src, 'a@pve', '/vms/999')).toContain('VM.PowerMgmt');
    expect(privs(src, 'a@pve', '/vms/100')).toEqual(['Sys.Audit', 'VM.Audit']);
    expect(privs(src, 'a@pve', '/vms/101')).toEqual(['VM.PowerMgmt']);
    expect(privs(src, 'a@pve', '/vms/102')).toEqual([]);
  });

  it('gives pool members what the pool grants', () => {
    const src = world([{ path: '/pool/lab', type: 'user', ugid: 'a@pve', roleid: 'Power', propagate: 1 }], {
      pools: { '/vms/103': 'lab' },
    });
    expect(privs(src, 'a@pve', '/vms/103')).toEqual(['VM.PowerMgmt']);
    expect(privs(src, 'a@pve', '/vms/104')).toEqual([]);
  });

  it("gives a privilege-separated token the intersection of its own and its user's rights", () => {
    const src = world(
      [
        { path: '/vms', type: 'user', ugid: 'a@pve', roleid: 'Audit', propagate: 1 },
        { path: '/vms', type: 'token', ugid: 'a@pve!sep', roleid: 'Admin', propagate: 1 },
      ],
      { tokens: { 'a@pve!sep': 1, 'a@pve!full': 0 } },
    );
    expect(privs(src, 'a@pve', '/vms/1', 'sep')).toEqual(['Sys.Audit', 'VM.Audit']);
    expect(privs(src, 'a@pve', '/vms/1', 'full')).toEqual(['Sys.Audit', 'VM.Audit']);
    expect(privs(src, 'a@pve', '/vms/1', 'missing')).toEqual([]);
    expect(privs(src, 'unknown@pve', '/vms/1')).toEqual([]);
  });

  it("evaluates and/or/any/require_param/userid-group checks with PVE's refusal text", () => {
    const src = world([{ path: '/vms/101', type: 'user', ugid: 'a@pve', roleid: 'Audit', propagate: 1 }], { groups: { 'a@pve': [] } });
    const who = identityFor(src, 'a@pve');
    const env = { groupsOf: () => [] };
    const refusal = (check: unknown[], params: Record<string, unknown>) => {
      try {
        evaluateCheck(who, check, params, env);
      } catch (e) {
        return e instanceof PveError ? `${e.status} ${e.message}` : String(e);
      }
      return 'allowed';
    };
    expect(refusal(['perm', '/vms/{vmid}', ['VM.PowerMgmt']], { vmid: 101 })).toBe('403 Permission check failed (/vms/101, VM.PowerMgmt)');
    expect(refusal(['perm', '/vms/{vmid}', ['VM.Audit']], { vmid: 101 })).toBe('allowed');
    expect(refusal(['perm', '/vms/{vmid}', ['VM.PowerMgmt', 'VM.Audit'], 'any', 1], { vmid: 101 })).toBe('allowed');
    expect(refusal(['or', ['perm', '/', ['Sys.Modify']], ['perm', '/vms/{vmid}', ['VM.Audit']]], { vmid: 101 })).toBe('allowed');
    expect(refusal(['and', ['perm', '/vms/{vmid}', ['VM.Audit']], ['perm', '/', ['Sys.Audit']]], { vmid: 101 })).toBe(
      '403 Permission check failed (/, Sys.Audit)',
    );
    expect(refusal(['perm', '/pool/{pool}', ['VM.Allocate'], 'require_param', 'pool'], {})).toMatch(/^403/);
    expect(refusal(['userid-group', ['User.Modify']], { userid: 'b@pve' })).toBe(
      '403 Permission check failed (/access/groups, User.Modify)',
    );
    expect(refusal(['userid-param', 'self'], { userid: 'a@pve' })).toBe('allowed');
  });
});

describe.skipIf(!haveCli)(
  'permissions through the MCP tools: users and tokens created through the API act with exactly their rights',
  () => {
    let sim: SimulatorHandle;
    let admin: McpSession;
    const sessions: McpSession[] = [];
    let carolToken = '';
    let carolSepToken = '';

    beforeAll(async () => {
      sim = await startSimulator({ quiet: true, taskDurationMs: 40 });
      admin = await mcpSession(sim, { token: sim.tokens.admin });
      sessions.push(admin);
    }, 60_000);

    afterAll(async () => {
      for (const s of sessions) await s.close().catch(() => {});
      await sim?.close();
    });

    it('creates a user, a group, a role and ACL entries, and reads them back', async () => {
      expect((await admin.api('POST', '/access/groups', { groupid: 'dbops', comment: 'database operators' })).isError).toBe(false);
      expect((await admin.api('POST', '/access/roles', { roleid: 'PowerOnly', privs: 'VM.PowerMgmt,VM.Audit' })).isError).toBe(false);
      const created = await admin.api('POST', '/access/users', {
        userid: 'carol@pve',
        password: 'carol-secret-1',
        groups: 'dbops',
        email: 'carol@simlab.example',
      });
      expect(created.isError, created.text).toBe(false);
      expect((await admin.api('PUT', '/access/acl', { path: '/vms/101', roles: 'PowerOnly', groups: 'dbops' })).isError).toBe(false);
      const user = await admin.read('/access/users/carol@pve');
      expect(user.text).toMatch(/dbops/);
      expect(user.text).toMatch(/carol@simlab\.example/);
      const acl = await admin.read('/access/acl');
      expect(acl.json).toMatch(/"path":"\/vms\/101"[^}]*"roleid":"PowerOnly"|"roleid":"PowerOnly"[^}]*"path":"\/vms\/101"/);
      const role = await admin.read('/access/roles/PowerOnly');
      expect(role.text).toMatch(/VM\.PowerMgmt/);
    });

    it('generates tokens for the new user; a privilege-separated one starts with no rights', async () => {
      // Straight over HTTPS: the MCP server may (rightly) scrub the secret from what the model sees.
      const generate = async (tokenid: string, privsep: string) => {
        const res = await rawRequest(sim, 'POST', `/api2/json/access/users/carol@pve/token/${tokenid}`, {
          form: { privsep },
          headers: tokenHeader(sim.tokens.admin),
        });
        expect(res.status, res.text).toBe(200);
        expect(res.body.data['full-tokenid']).toBe(`carol@pve!${tokenid}`);
        return `carol@pve!${tokenid}=${res.body.data.value}`;
      };
      carolToken = await generate('full', '0');
      carolSepToken = await generate('sep', '1');
      expect((await admin.api('PUT', '/access/acl', { path: '/vms', roles: 'PVEAuditor', tokens: 'carol@pve!sep' })).isError).toBe(false);
      const viaTool = await admin.api('POST', '/access/users/carol@pve/token/third', { comment: 'made by the model' });
      expect(viaTool.isError, viaTool.text).toBe(false);
      const tokens = await admin.read('/access/users/carol@pve/token');
      expect(tokens.json).toMatch(/"tokenid":"full"/);
      expect(tokens.json).toMatch(/"tokenid":"sep"/);
      expect(tokens.json).toMatch(/"tokenid":"third"/);
    });

    it("lets the user token power the VM its group may manage, and refuses another one with PVE's 403", async () => {
      const carol = await mcpSession(sim, { token: carolToken });
      sessions.push(carol);
      const ok = await carol.api('POST', '/nodes/pve1/qemu/101/status/reboot');
      expect(ok.isError, ok.text).toBe(false);
      const refused = await carol.api('POST', '/nodes/pve1/qemu/100/status/reboot');
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/\/vms\/100/);
      expect(refused.text).toMatch(/VM\.PowerMgmt/);
      const list = await carol.read('/cluster/resources', { type: 'vm' });
      expect(list.json).toMatch(/"vmid":101/);
      expect(list.json).not.toMatch(/"vmid":100\b/);
    });

    it('gives the privilege-separated token only the intersection: it may look at 101 but not power it', async () => {
      const sep = await mcpSession(sim, { token: carolSepToken });
      sessions.push(sep);
      expect((await sep.read('/nodes/pve1/qemu/101/status/current')).isError).toBe(false);
      const refused = await sep.api('POST', '/nodes/pve1/qemu/101/status/reboot');
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/\/vms\/101/);
      expect(refused.text).toMatch(/VM\.PowerMgmt/);
      // Audit on /vms from its own ACL, but carol herself has nothing on VM 100: the intersection is empty.
      const other = await sep.read('/nodes/pve1/qemu/100/status/current');
      expect(other.isError).toBe(true);
      expect(other.text).toMatch(/VM\.Audit/);
      const perms = await sep.read('/access/permissions');
      expect(perms.text).toMatch(/\/vms\/101/);
      expect(perms.text).not.toMatch(/VM\.PowerMgmt/);
    });

    it('lets the new user log in with the password given at creation, and changes it', async () => {
      const login = await rawRequest(sim, 'POST', '/api2/json/access/ticket', {
        form: { username: 'carol@pve', password: 'carol-secret-1' },
      });
      expect(login.status).toBe(200);
      expect(login.body.data.cap.vms).toEqual({});
      const carol = await mcpSession(sim, { username: 'carol@pve', password: 'carol-secret-1' });
      sessions.push(carol);
      expect((await carol.api('PUT', '/access/password', { userid: 'carol@pve', password: 'carol-secret-2' })).isError).toBe(false);
      const old = await rawRequest(sim, 'POST', '/api2/json/access/ticket', {
        form: { username: 'carol@pve', password: 'carol-secret-1' },
      });
      expect(old.status).toBe(401);
      const again = await rawRequest(sim, 'POST', '/api2/json/access/ticket', {
        form: { username: 'carol@pve', password: 'carol-secret-2' },
      });
      expect(again.status).toBe(200);
      // Another user's password is not hers to change.
      const refused = await carol.api('PUT', '/access/password', { userid: 'alice@pve', password: 'hijacked-pw-1' });
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/Permission check failed/);
    });

    it('grants through pools: a group with a role on /pool/lab manages lab guests only', async () => {
      const gen = await rawRequest(sim, 'POST', '/api2/json/access/users/bob@pve/token/ops', {
        form: { privsep: '0' },
        headers: tokenHeader(sim.tokens.admin),
      });
      const bob = await mcpSession(sim, { token: `bob@pve!ops=${gen.body.data.value}` });
      sessions.push(bob);
      expect((await bob.api('POST', '/nodes/pve2/qemu/103/status/reboot')).isError).toBe(false);
      const refused = await bob.api('POST', '/nodes/pve2/qemu/104/status/reboot');
      expect(refused.text).toMatch(/\/vms\/104/);
      // Moving 104 into the pool makes it manageable.
      expect((await admin.api('PUT', '/pools', { poolid: 'lab', vms: '104' })).isError).toBe(false);
      expect((await bob.api('POST', '/nodes/pve2/qemu/104/status/reboot')).isError).toBe(false);
    });

    it('removes a user with its tokens and ACL entries; its token stops working', async () => {
      expect((await admin.api('DELETE', '/access/users/carol@pve')).isError).toBe(false);
      const res = await rawRequest(sim, 'GET', '/api2/json/version', { headers: tokenHeader(carolToken) });
      expect(res.status).toBe(401);
      expect((await admin.read('/access/acl')).text).not.toMatch(/carol/);
    });

    it('refuses bad ACL input clearly and changes nothing', async () => {
      const before = (await admin.read('/access/acl')).text;
      for (const params of [
        { path: '/nowhere/at/all', roles: 'PVEAuditor', users: 'alice@pve' },
        { path: '/vms', roles: 'NoSuchRole', users: 'alice@pve' },
        { path: '/vms', roles: 'PVEAuditor', users: 'ghost@pve' },
        { path: '/vms', roles: 'PVEAuditor' },
        { path: '/__proto__', roles: 'PVEAuditor', users: 'alice@pve' },
      ]) {
        const r = await admin.api('PUT', '/access/acl', params);
        expect(r.isError, JSON.stringify(params)).toBe(true);
      }
      expect((await admin.read('/access/acl')).text).toBe(before);
    });
  },
);
