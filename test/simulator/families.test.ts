import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { haveCli, mcpSession, type McpSession } from './mcp-harness.js';
import { rawRequest, tokenHeader } from './helpers.js';

/**
 * Each declarative family driven through the real MCP server: create, read back, change, delete, and the
 * refusals a limited user and a privilege-separated token get.
 */
describe.skipIf(!haveCli)('config families through the MCP tools', () => {
  let sim: SimulatorHandle;
  let admin: McpSession;
  /** auditor@pve!ro: privilege-separated token with PVEAuditor on /. */
  let sepToken: McpSession;
  /** dave@pve: a user with PVEAuditor on / (and a token without privilege separation). */
  let limited: McpSession;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, taskDurationMs: 40 });
    const h = { headers: tokenHeader(sim.tokens.admin) };
    await rawRequest(sim, 'POST', '/api2/json/access/users', { form: { userid: 'dave@pve' }, ...h });
    await rawRequest(sim, 'PUT', '/api2/json/access/acl', { form: { path: '/', roles: 'PVEAuditor', users: 'dave@pve' }, ...h });
    const tok = await rawRequest(sim, 'POST', '/api2/json/access/users/dave@pve/token/t', { form: { privsep: '0' }, ...h });
    [admin, sepToken, limited] = await Promise.all([
      mcpSession(sim, { token: sim.tokens.admin }),
      mcpSession(sim, { token: sim.tokens.readonly }),
      mcpSession(sim, { token: `dave@pve!t=${tok.body.data.value}` }),
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const s of [admin, sepToken, limited]) await s?.close().catch(() => {});
    await sim?.close();
  });

  /** Both limited identities may read but get PVE's 403 naming the privilege on a write. */
  async function refusedForLimited(method: string, path: string, params: Record<string, unknown>, priv: RegExp): Promise<void> {
    for (const who of [limited, sepToken]) {
      const r = await who.api(method, path, params);
      expect(r.isError, `${method} ${path} should be refused`).toBe(true);
      expect(r.text).toMatch(priv);
    }
  }

  it('cluster firewall: aliases, IP sets, security groups, rules referencing them, options', async () => {
    expect((await admin.api('POST', '/cluster/firewall/aliases', { name: 'dbnet', cidr: '10.20.0.0/16', comment: 'db' })).isError).toBe(
      false,
    );
    expect((await admin.read('/cluster/firewall/aliases/dbnet')).json).toMatch(/"cidr":"10\.20\.0\.0\/16"/);
    expect((await admin.api('PUT', '/cluster/firewall/aliases/dbnet', { cidr: '10.21.0.0/16' })).isError).toBe(false);
    expect((await admin.read('/cluster/firewall/aliases/dbnet')).json).toMatch(/10\.21\.0\.0/);
    expect((await admin.api('POST', '/cluster/firewall/ipset', { name: 'scanners', comment: 'blocked' })).isError).toBe(false);
    expect((await admin.api('POST', '/cluster/firewall/ipset/scanners', { cidr: '203.0.113.0/24' })).isError).toBe(false);
    expect((await admin.read('/cluster/firewall/ipset/scanners')).json).toMatch(/203\.0\.113\.0\/24/);
    expect((await admin.api('POST', '/cluster/firewall/groups', { group: 'dbserver' })).isError).toBe(false);
    expect(
      (
        await admin.api('POST', '/cluster/firewall/groups/dbserver', {
          type: 'in',
          action: 'ACCEPT',
          source: 'dbnet',
          proto: 'tcp',
          dport: '5432',
          enable: 1,
        })
      ).isError,
    ).toBe(false);
    expect((await admin.read('/cluster/firewall/groups/dbserver')).json).toMatch(/"dport":"5432"/);
    // A rule naming an alias or IP set that does not exist is refused, and a port needs a protocol.
    expect((await admin.api('POST', '/cluster/firewall/rules', { type: 'in', action: 'DROP', source: '+nosuchset' })).text).toMatch(
      /no such ipset/,
    );
    expect((await admin.api('POST', '/cluster/firewall/rules', { type: 'in', action: 'ACCEPT', dport: '22' })).text).toMatch(/protocol/);
    expect(
      (
        await admin.api('POST', '/cluster/firewall/rules', {
          type: 'in',
          action: 'DROP',
          source: '+scanners',
          enable: 1,
          log: 'info',
          pos: 0,
        })
      ).isError,
    ).toBe(false);
    const rules = (await admin.read('/cluster/firewall/rules')).data as Array<Record<string, unknown>>;
    expect(rules[0]).toMatchObject({ pos: 0, action: 'DROP', source: '+scanners' });
    expect((await admin.api('PUT', '/cluster/firewall/rules/0', { comment: 'block scanners', moveto: 2 })).isError).toBe(false);
    expect((await admin.read('/cluster/firewall/rules/1')).json).toMatch(/\+scanners/);
    // In use: the IP set cannot be deleted while not empty; the group not while it has rules.
    expect((await admin.api('DELETE', '/cluster/firewall/ipset/scanners')).text).toMatch(/not empty/);
    expect((await admin.api('DELETE', '/cluster/firewall/rules/1')).isError).toBe(false);
    expect((await admin.api('DELETE', '/cluster/firewall/ipset/scanners', { force: 1 })).isError).toBe(false);
    expect((await admin.api('PUT', '/cluster/firewall/options', { policy_in: 'REJECT' })).isError).toBe(false);
    expect((await admin.read('/cluster/firewall/options')).json).toMatch(/"policy_in":"REJECT"/);
    expect((await admin.read('/cluster/firewall/refs')).json).toMatch(/"ref":"dc\/dbnet"/);
    expect((await admin.read('/cluster/firewall/macros')).json).toMatch(/"macro":"SSH"/);
    await refusedForLimited('POST', '/cluster/firewall/aliases', { name: 'x1', cidr: '10.0.0.1' }, /Sys\.Modify/);
    expect((await sepToken.read('/cluster/firewall/aliases')).isError).toBe(false);
    expect((await admin.api('DELETE', '/cluster/firewall/aliases/dbnet')).text).toMatch(/used by a firewall rule|^/);
  });

  it('node and guest firewall: rules, options, log, guest aliases and IP sets', async () => {
    expect((await admin.api('POST', '/nodes/pve1/firewall/rules', { type: 'in', action: 'ACCEPT', macro: 'SSH', enable: 1 })).isError).toBe(
      false,
    );
    expect((await admin.read('/nodes/pve1/firewall/rules')).json).toMatch(/"macro":"SSH"/);
    expect((await admin.api('PUT', '/nodes/pve1/firewall/options', { nosmurfs: 1, log_level_in: 'info' })).isError).toBe(false);
    expect((await admin.read('/nodes/pve1/firewall/options')).json).toMatch(/"log_level_in":"info"/);
    const log = await admin.read('/nodes/pve1/firewall/log', { limit: 5 });
    expect((log.data as unknown[]).length).toBe(5);
    expect(log.json).toMatch(/PROTO=TCP/);
    expect(
      (
        await admin.api('POST', '/nodes/pve1/qemu/101/firewall/rules', {
          type: 'in',
          action: 'ACCEPT',
          proto: 'tcp',
          dport: '5432',
          source: 'dc/mgmt-net',
          enable: 1,
        })
      ).isError,
    ).toBe(false);
    expect((await admin.api('PUT', '/nodes/pve1/qemu/101/firewall/options', { enable: 1, policy_in: 'DROP' })).isError).toBe(false);
    expect((await admin.api('POST', '/nodes/pve1/lxc/200/firewall/aliases', { name: 'resolver', cidr: '192.0.2.53' })).isError).toBe(false);
    expect((await admin.api('POST', '/nodes/pve1/lxc/200/firewall/ipset', { name: 'clients' })).isError).toBe(false);
    expect((await admin.read('/nodes/pve1/lxc/200/firewall/refs')).json).toMatch(/"ref":"guest\/resolver"/);
    expect((await admin.read('/nodes/pve1/qemu/101/firewall/rules')).json).toMatch(/"dport":"5432"/);
    expect((await admin.api('DELETE', '/nodes/pve1/qemu/101/firewall/rules/0')).isError).toBe(false);
    expect((await admin.read('/nodes/pve2/qemu/101/firewall/rules')).text).toMatch(/does not exist/);
    await refusedForLimited('POST', '/nodes/pve1/qemu/101/firewall/rules', { type: 'in', action: 'DROP' }, /VM\.Config\.Network/);
    await refusedForLimited('GET', '/nodes/pve1/qemu/101/firewall/log', {}, /VM\.Console/);
  });

  it('hardware mappings: PCI, USB and directory mappings', async () => {
    const pci = await admin.api('POST', '/cluster/mapping/pci', {
      id: 'gpu',
      map: ['node=pve1,path=0000:01:00.0,id=10de:2204', 'node=pve2,path=0000:02:00.0,id=10de:2204'],
      description: 'RTX',
    });
    expect(pci.isError, pci.text).toBe(false);
    expect((await admin.read('/cluster/mapping/pci/gpu')).json).toMatch(/0000:01:00\.0/);
    expect((await admin.api('PUT', '/cluster/mapping/pci/gpu', { description: 'RTX 3090', mdev: 1 })).isError).toBe(false);
    expect((await admin.read('/cluster/mapping/pci')).json).toMatch(/RTX 3090/);
    expect((await admin.api('POST', '/cluster/mapping/pci', { id: 'bad', map: ['node=nosuchnode,path=0000:01:00.0'] })).text).toMatch(
      /not a cluster node/,
    );
    expect((await admin.api('POST', '/cluster/mapping/usb', { id: 'token', map: ['node=pve1,id=1050:0407'] })).isError).toBe(false);
    expect((await admin.api('POST', '/cluster/mapping/dir', { id: 'share', map: ['node=pve1,path=/srv/share'] })).isError).toBe(false);
    expect((await admin.api('DELETE', '/cluster/mapping/usb/token')).isError).toBe(false);
    expect((await admin.read('/cluster/mapping/usb/token')).text).toMatch(/does not exist/);
    await refusedForLimited('POST', '/cluster/mapping/dir', { id: 'x', map: ['node=pve1,path=/x'] }, /Mapping\.Modify/);
  });

  it('metric servers', async () => {
    expect(
      (await admin.api('POST', '/cluster/metrics/server/influx', { type: 'influxdb', server: '192.0.2.60', port: 8089 })).isError,
    ).toBe(false);
    expect((await admin.read('/cluster/metrics/server/influx')).json).toMatch(/"port":8089/);
    expect(
      (await admin.api('PUT', '/cluster/metrics/server/influx', { server: '192.0.2.61', port: 8086, influxdbproto: 'http', bucket: 'pve' }))
        .isError,
    ).toBe(false);
    expect((await admin.read('/cluster/metrics/server')).json).toMatch(/192\.0\.2\.61/);
    expect(
      (await admin.api('POST', '/cluster/metrics/server/g', { type: 'graphite', server: 'g.example', port: 2003, bucket: 'x' })).isError,
    ).toBe(true);
    expect((await admin.read('/cluster/metrics/export')).json).toMatch(/cpu_current/);
    await refusedForLimited('DELETE', '/cluster/metrics/server/influx', {}, /Sys\.Modify/);
    expect((await admin.api('DELETE', '/cluster/metrics/server/influx')).isError).toBe(false);
  });

  it('notifications: endpoints, matchers that must name existing targets, secrets never read back', async () => {
    const smtp = await admin.api('POST', '/cluster/notifications/endpoints/smtp', {
      name: 'corp-mail',
      server: 'smtp.simlab.example',
      'from-address': 'pve@simlab.example',
      mailto: ['ops@simlab.example'],
      password: 'hunter2-smtp',
    });
    expect(smtp.isError, smtp.text).toBe(false);
    const read = await admin.read('/cluster/notifications/endpoints/smtp/corp-mail');
    expect(read.json).toMatch(/smtp\.simlab\.example/);
    expect(read.json).not.toMatch(/hunter2/);
    expect((await admin.api('POST', '/cluster/notifications/matchers', { name: 'errors', target: ['nosuchtarget'] })).text).toMatch(
      /does not exist/,
    );
    expect(
      (await admin.api('POST', '/cluster/notifications/matchers', { name: 'errors', target: ['corp-mail'], 'match-severity': ['error'] }))
        .isError,
    ).toBe(false);
    expect((await admin.read('/cluster/notifications/targets')).json).toMatch(/"name":"corp-mail"/);
    expect((await admin.api('DELETE', '/cluster/notifications/endpoints/smtp/corp-mail')).text).toMatch(/referenced by matcher/);
    expect((await admin.api('PUT', '/cluster/notifications/matchers/errors', { delete: ['target'] })).isError).toBe(false);
    expect((await admin.api('DELETE', '/cluster/notifications/endpoints/smtp/corp-mail')).isError).toBe(false);
    expect((await admin.api('POST', '/cluster/notifications/targets/mail-to-root/test')).isError).toBe(false);
    expect((await admin.api('POST', '/cluster/notifications/targets/ops-gotify/test')).text).toMatch(/Connection refused/);
    await refusedForLimited('POST', '/cluster/notifications/matchers', { name: 'm2' }, /Mapping\.Modify/);
  });

  it('backup jobs and what no job covers', async () => {
    const before = (await admin.read('/cluster/backup-info/not-backed-up')).data as Array<{ vmid: number }>;
    expect(before.map((g) => g.vmid)).toContain(104);
    expect(before.map((g) => g.vmid)).not.toContain(100);
    const created = await admin.api('POST', '/cluster/backup', {
      id: 'legacy',
      vmid: '104,111',
      schedule: 'mon..fri 22:00',
      storage: 'backup-nfs',
      mode: 'stop',
    });
    expect(created.isError, created.text).toBe(false);
    expect((await admin.read('/cluster/backup/legacy')).json).toMatch(/"vmid":"104,111"/);
    const after = (await admin.read('/cluster/backup-info/not-backed-up')).data as Array<{ vmid: number }>;
    expect(after.map((g) => g.vmid)).not.toContain(104);
    expect((await admin.read('/cluster/backup/legacy/included_volumes')).json).toMatch(/"id":104/);
    expect((await admin.api('PUT', '/cluster/backup/legacy', { enabled: 0 })).isError).toBe(false);
    expect(((await admin.read('/cluster/backup-info/not-backed-up')).data as Array<{ vmid: number }>).map((g) => g.vmid)).toContain(104);
    expect((await admin.api('POST', '/cluster/backup', { vmid: '104', schedule: 'someday' })).text).toMatch(/calendar event/);
    expect((await admin.api('POST', '/cluster/backup', { vmid: '104', all: 1 })).isError).toBe(true);
    const analyzed = (await admin.read('/cluster/jobs/schedule-analyze', { schedule: 'mon..fri 22:00', iterations: 3 })).data as Array<{
      timestamp: number;
    }>;
    expect(analyzed).toHaveLength(3);
    for (const run of analyzed) expect([1, 2, 3, 4, 5]).toContain(new Date(run.timestamp * 1000).getUTCDay());
    await refusedForLimited('DELETE', '/cluster/backup/legacy', {}, /Sys\.Modify/);
    expect((await admin.api('DELETE', '/cluster/backup/legacy')).isError).toBe(false);
  });

  it('replication jobs: the failing seeded job has a history, new jobs are checked', async () => {
    const status = (await admin.read('/nodes/pve1/replication')).data as Array<Record<string, unknown>>;
    expect(status.find((s) => s.id === '101-0')).toMatchObject({ fail_count: 12, error: expect.stringMatching(/replicate feature/) });
    expect((await admin.read('/nodes/pve1/replication/101-0/log')).json).toMatch(/end replication job with error/);
    expect((await admin.api('POST', '/cluster/replication', { id: '100-0', type: 'local', target: 'pve1' })).text).toMatch(
      /target node is on source node/,
    );
    expect(
      (await admin.api('POST', '/cluster/replication', { id: '100-0', type: 'local', target: 'pve3', schedule: '*/30', rate: 50 })).isError,
    ).toBe(false);
    expect((await admin.read('/cluster/replication/100-0')).json).toMatch(/"target":"pve3"/);
    expect((await admin.api('PUT', '/cluster/replication/100-0', { comment: 'web copy' })).isError).toBe(false);
    await refusedForLimited('POST', '/cluster/replication', { id: '100-1', type: 'local', target: 'pve2' }, /VM\.Replicate/);
    expect((await admin.api('DELETE', '/cluster/replication/100-0')).isError).toBe(false);
  });

  it('pools, realms and realm sync jobs', async () => {
    expect((await admin.api('POST', '/pools', { poolid: 'staging', comment: 'pre-prod' })).isError).toBe(false);
    expect((await admin.api('PUT', '/pools', { poolid: 'staging', vms: '105', storage: 'local-lvm' })).isError).toBe(false);
    expect((await admin.read('/pools', { poolid: 'staging' })).json).toMatch(/"vmid":105/);
    expect((await admin.api('PUT', '/pools', { poolid: 'staging', vms: '100' })).text).toMatch(/belongs already to pool 'prod'/);
    expect((await admin.api('DELETE', '/pools', { poolid: 'staging' })).text).toMatch(/not empty/);
    expect((await admin.api('PUT', '/pools', { poolid: 'staging', vms: '105', storage: 'local-lvm', delete: 1 })).isError).toBe(false);
    expect((await admin.api('DELETE', '/pools', { poolid: 'staging' })).isError).toBe(false);
    await refusedForLimited('POST', '/pools', { poolid: 'mine' }, /Pool\.Allocate/);

    expect(
      (
        await admin.api('POST', '/access/domains', {
          realm: 'corp',
          type: 'ldap',
          server1: 'ldap.simlab.example',
          base_dn: 'dc=simlab,dc=example',
          user_attr: 'uid',
        })
      ).isError,
    ).toBe(false);
    expect((await admin.read('/access/domains')).json).toMatch(/"realm":"corp"/);
    expect((await admin.api('PUT', '/access/domains/corp', { comment: 'company directory' })).isError).toBe(false);
    expect((await admin.api('POST', '/cluster/jobs/realm-sync/nightly', { realm: 'corp', schedule: '03:00', scope: 'both' })).isError).toBe(
      false,
    );
    expect((await admin.read('/cluster/jobs/realm-sync')).json).toMatch(/"id":"nightly"/);
    expect((await admin.api('POST', '/cluster/jobs/realm-sync/pam', { realm: 'pam', schedule: '03:00' })).text).toMatch(/cannot be synced/);
    expect((await admin.api('DELETE', '/access/domains/pam')).text).toMatch(/built-in/);
    await refusedForLimited('POST', '/access/domains', { realm: 'x2', type: 'ldap', server1: 'a' }, /Realm\.Allocate/);
    expect((await admin.api('DELETE', '/cluster/jobs/realm-sync/nightly')).isError).toBe(false);
    expect((await admin.api('DELETE', '/access/domains/corp')).isError).toBe(false);
  });

  it('refuses hostile keys and values clearly without changing anything', async () => {
    const before = (await admin.read('/cluster/firewall/aliases')).json;
    for (const name of ['__proto__', 'a'.repeat(200), 'bad name', 'x\u0000y', '../etc']) {
      const r = await admin.api('POST', '/cluster/firewall/aliases', { name, cidr: '10.0.0.1' });
      expect(r.isError, name).toBe(true);
    }
    expect((await admin.api('POST', '/cluster/firewall/aliases', { name: 'okname', cidr: 'not-an-ip' })).isError).toBe(true);
    expect((await admin.read('/cluster/firewall/aliases')).json).toBe(before);
    // A name that is a valid identifier but an Object.prototype key is just a name.
    expect((await admin.api('POST', '/cluster/firewall/aliases', { name: 'constructor', cidr: '10.9.9.9' })).isError).toBe(false);
    expect((await admin.read('/cluster/firewall/aliases/constructor')).json).toMatch(/10\.9\.9\.9/);
    expect((await admin.read('/cluster/firewall/aliases/toString')).isError).toBe(true);
    expect((await admin.api('DELETE', '/cluster/firewall/aliases/constructor')).isError).toBe(false);
    expect((await admin.api('POST', '/cluster/mapping/dir', { id: '__proto__', map: ['node=pve1,path=/x'] })).isError).toBe(true);
    expect((await admin.read('/cluster/mapping/dir/constructor')).isError).toBe(true);
  });
});
