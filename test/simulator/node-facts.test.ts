import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { haveCli, mcpSession, type McpSession } from './mcp-harness.js';

/** Node facts, guest extras and history through the MCP tools; refusals for a read-only privilege-separated token. */
describe.skipIf(!haveCli)('node facts, guest extras and history through the MCP tools', () => {
  let sim: SimulatorHandle;
  let admin: McpSession;
  let ro: McpSession;

  beforeAll(async () => {
    sim = await startSimulator({ quiet: true, taskDurationMs: 40 });
    [admin, ro] = await Promise.all([mcpSession(sim, { token: sim.tokens.admin }), mcpSession(sim, { token: sim.tokens.readonly })]);
  }, 60_000);

  afterAll(async () => {
    for (const s of [admin, ro]) await s?.close().catch(() => {});
    await sim?.close();
  });

  const rows = (a: { data: unknown }) => a.data as Array<Record<string, any>>;

  it('syslog and journal hold realistic lines, with paging and a time window; Sys.Syslog is needed', async () => {
    const log = await admin.read('/nodes/pve3/syslog', { limit: 500 });
    expect(log.isError, log.text).toBe(false);
    const text = rows(log)
      .map((r) => r.t)
      .join('\n');
    expect(text).toMatch(/^\w{3} [ \d]\d \d\d:\d\d:\d\d pve3 corosync\[\d+\]: /m);
    expect(text).toMatch(/smartd\[\d+\]: Device: \/dev\/sdc .*FAILURE PREDICTION/);
    expect(text).toMatch(/authentication failure; rhost=/);
    const page = rows(await admin.read('/nodes/pve3/syslog', { start: 2, limit: 3 }));
    expect(page.map((r) => r.n)).toEqual([3, 4, 5]);
    const journal = (await admin.read('/nodes/pve1/journal', { lastentries: 5 })).data as string[];
    expect(journal).toHaveLength(7); // cursor, 5 lines, cursor
    expect(journal[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000 pve1 /);
    const refused = await ro.read('/nodes/pve1/syslog');
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/Sys\.Syslog/);
  });

  it('DNS, hosts and time zone: read, change, read back; bad input changes nothing', async () => {
    expect((await admin.read('/nodes/pve1/dns')).json).toMatch(/"search":"simlab\.example"/);
    expect((await admin.api('PUT', '/nodes/pve1/dns', { search: 'corp.example', dns1: '192.0.2.1' })).isError).toBe(false);
    expect((await admin.read('/nodes/pve1/dns')).json).toMatch(/"dns1":"192\.0\.2\.1"/);
    expect((await admin.api('PUT', '/nodes/pve1/dns', { search: 'corp.example', dns1: 'not-an-ip' })).isError).toBe(true);
    expect((await admin.read('/nodes/pve1/dns')).json).toMatch(/"dns1":"192\.0\.2\.1"/);
    const hosts = (await admin.read('/nodes/pve1/hosts')).data as { data: string; digest: string };
    expect(hosts.data).toMatch(/pve1\.simlab\.example/);
    expect((await admin.api('POST', '/nodes/pve1/hosts', { data: `${hosts.data}192.0.2.99 extra\n`, digest: hosts.digest })).isError).toBe(
      false,
    );
    expect((await admin.api('POST', '/nodes/pve1/hosts', { data: 'x', digest: hosts.digest })).text).toMatch(/modified/);
    expect((await admin.api('PUT', '/nodes/pve1/time', { timezone: 'America/New_York' })).isError).toBe(false);
    expect((await admin.read('/nodes/pve1/time')).json).toMatch(/America\/New_York/);
    expect((await admin.api('PUT', '/nodes/pve1/time', { timezone: 'Mars/Olympus' })).text).toMatch(/does not exist/);
    expect((await ro.api('PUT', '/nodes/pve1/dns', { search: 'x.example' })).text).toMatch(/Sys\.Modify/);
  });

  it('services: list, state, stop and start through tasks', async () => {
    const list = rows(await admin.read('/nodes/pve2/services'));
    expect(list.find((s) => s.service === 'pveproxy')).toMatchObject({ state: 'running', 'active-state': 'active' });
    const stop = await admin.api('POST', '/nodes/pve2/services/cron/stop');
    expect(stop.text).toMatch(/task finished: OK|OK/);
    expect((await admin.read('/nodes/pve2/services/cron/state')).json).toMatch(/"state":"dead"/);
    expect((await admin.api('POST', '/nodes/pve2/services/cron/start')).isError).toBe(false);
    expect((await admin.read('/nodes/pve2/services/cron/state')).json).toMatch(/"state":"running"/);
    expect((await admin.api('POST', '/nodes/pve2/services/nosuchd/start')).isError).toBe(true);
    expect((await ro.api('POST', '/nodes/pve2/services/cron/restart')).text).toMatch(/Sys\.Modify/);
  });

  it('apt: versions, updates, changelog, repositories; the update task fails on the enterprise repo without subscription', async () => {
    expect((await admin.read('/nodes/pve1/apt/versions')).json).toMatch(/"Package":"pve-manager"/);
    expect((await admin.read('/nodes/pve1/apt/update')).json).toMatch(/"Package":"pve-manager".*"Version":"9\.2\.5"/);
    expect((await admin.read('/nodes/pve1/apt/changelog', { name: 'pve-manager' })).text).toMatch(/pve-manager \(9\.2\.5\)/);
    const upd = await admin.api('POST', '/nodes/pve1/apt/update');
    expect(upd.text).toMatch(/apt-get update' failed/);
    const repos = (await admin.read('/nodes/pve1/apt/repositories')).data as { digest: string };
    expect(
      (
        await admin.api('POST', '/nodes/pve1/apt/repositories', {
          path: '/etc/apt/sources.list.d/pve-enterprise.sources',
          index: 0,
          enabled: 0,
          digest: repos.digest,
        })
      ).isError,
    ).toBe(false);
    expect((await admin.api('POST', '/nodes/pve1/apt/update')).text).not.toMatch(/failed/);
    expect((await ro.read('/nodes/pve1/apt/update')).text).toMatch(/Sys\.Modify/);
  });

  it('network: create a bridge as a pending change with a diff, apply it; revert drops pending changes', async () => {
    const created = await admin.api('POST', '/nodes/pve2/network', {
      iface: 'vmbr9',
      type: 'bridge',
      cidr: '10.99.0.2/24',
      bridge_ports: '',
      autostart: 1,
      comments: 'lab bridge',
    });
    expect(created.isError, created.text).toBe(false);
    const list = await admin.read('/nodes/pve2/network');
    expect(list.json).toMatch(/"iface":"vmbr9"/);
    expect((await admin.api('POST', '/nodes/pve2/network', { iface: 'vmbr8', type: 'bridge', bridge_ports: 'eno1' })).text).toMatch(
      /already used by 'vmbr0'/,
    );
    expect(
      (await admin.api('POST', '/nodes/pve2/network', { iface: 'vmbr7', type: 'bridge', cidr: '10.7.0.1/24', gateway: '10.7.0.254' })).text,
    ).toMatch(/Default gateway already exists/);
    expect((await admin.api('PUT', '/nodes/pve2/network')).isError).toBe(false);
    expect((await admin.read('/nodes/pve2/network/vmbr9')).json).toMatch(/"cidr":"10\.99\.0\.2\/24"/);
    expect((await admin.api('PUT', '/nodes/pve2/network/vmbr9', { type: 'bridge', mtu: 9000 })).isError).toBe(false);
    expect((await admin.api('DELETE', '/nodes/pve2/network')).isError).toBe(false);
    expect((await admin.read('/nodes/pve2/network/vmbr9')).json).not.toMatch(/9000/);
    expect((await admin.api('DELETE', '/nodes/pve2/network/eno1')).isError).toBe(true);
    expect((await ro.api('POST', '/nodes/pve2/network', { iface: 'vmbr5', type: 'bridge' })).text).toMatch(/Sys\.Modify/);
  });

  it('disks: list with SMART health, a failing disk on pve3; a ZFS pool and a directory become storages', async () => {
    const disks = rows(await admin.read('/nodes/pve3/disks/list'));
    expect(disks.find((d) => d.devpath === '/dev/sdc')).toMatchObject({ health: 'FAILED' });
    expect((await admin.read('/nodes/pve3/disks/smart', { disk: '/dev/sdc' })).json).toMatch(/Reallocated_Sector_Ct/);
    expect((await admin.api('POST', '/nodes/pve1/disks/zfs', { name: 'tank', devices: '/dev/sdb', raidlevel: 'mirror' })).text).toMatch(
      /at least 2 devices/,
    );
    const zfs = await admin.api('POST', '/nodes/pve1/disks/zfs', {
      name: 'tank',
      devices: '/dev/sdb,/dev/sdc',
      raidlevel: 'mirror',
      add_storage: 1,
    });
    expect(zfs.isError, zfs.text).toBe(false);
    expect((await admin.read('/storage/tank')).json).toMatch(/"type":"zfspool"/);
    expect((await admin.read('/nodes/pve1/disks/zfs/tank')).json).toMatch(/mirror-0/);
    expect(
      (await admin.api('POST', '/nodes/pve2/disks/directory', { name: 'scratch', device: '/dev/sdb', filesystem: 'xfs', add_storage: 1 }))
        .isError,
    ).toBe(false);
    expect((await admin.read('/storage', { type: 'dir' })).json).toMatch(/"storage":"scratch"/);
    expect((await admin.api('POST', '/nodes/pve2/disks/lvm', { name: 'vg2', device: '/dev/sdb' })).text).toMatch(/already in use/);
    expect((await admin.api('POST', '/nodes/pve2/disks/initgpt', { disk: '/dev/sdc' })).isError).toBe(false);
    expect((await admin.api('POST', '/nodes/pve2/disks/lvmthin', { name: 'fast', device: '/dev/sdc', add_storage: 1 })).isError).toBe(
      false,
    );
    expect((await admin.read('/nodes/pve2/disks/lvmthin')).json).toMatch(/"lv":"fast"/);
    expect((await ro.api('POST', '/nodes/pve3/disks/initgpt', { disk: '/dev/sdb' })).text).toMatch(/Sys\.Modify/);
    expect((await ro.api('PUT', '/nodes/pve3/disks/wipedisk', { disk: '/dev/sdb' })).text).toMatch(/root@pam/);
  });

  it('subscription, report, rrddata and netstat', async () => {
    expect((await admin.read('/nodes/pve1/subscription')).json).toMatch(/"status":"notfound"/);
    expect((await admin.api('PUT', '/nodes/pve1/subscription', { key: 'pve1c-0123456789' })).isError).toBe(false);
    expect((await admin.read('/nodes/pve1/subscription')).json).toMatch(/"status":"active"/);
    expect((await admin.api('PUT', '/nodes/pve1/subscription', { key: 'not-a-key' })).isError).toBe(true);
    expect((await admin.read('/nodes/pve1/report')).text).toMatch(/==== general system info ====/);
    const rrd = rows(await admin.read('/nodes/pve1/rrddata', { timeframe: 'hour' }));
    expect(rrd.length).toBeGreaterThan(30);
    expect(rrd[0]).toMatchObject({ time: expect.any(Number), cpu: expect.any(Number), memtotal: expect.any(Number) });
    expect((await admin.read('/nodes/pve1/netstat')).json).toMatch(/"dev":"tap100i0"/);
  });

  it('guest pending changes: a running VM keeps CPU and memory edits pending until it restarts', async () => {
    expect((await admin.api('PUT', '/nodes/pve1/qemu/101/config', { cores: 8, memory: '16384', description: 'bigger' })).isError).toBe(
      false,
    );
    const pending = rows(await admin.read('/nodes/pve1/qemu/101/pending'));
    expect(pending.find((p) => p.key === 'cores')).toMatchObject({ value: 4, pending: 8 });
    expect(pending.find((p) => p.key === 'description')).not.toHaveProperty('pending');
    expect((await admin.read('/nodes/pve1/qemu/101/config', { current: 1 })).json).toMatch(/"cores":4/);
    expect((await admin.read('/nodes/pve1/qemu/101/config')).json).toMatch(/"cores":8/);
    expect((await admin.api('PUT', '/nodes/pve1/qemu/101/config', { revert: 'memory' })).isError).toBe(false);
    expect(rows(await admin.read('/nodes/pve1/qemu/101/pending')).find((p) => p.key === 'memory')).not.toHaveProperty('pending');
    expect((await admin.api('POST', '/nodes/pve1/qemu/101/status/reboot')).isError).toBe(false);
    const after = rows(await admin.read('/nodes/pve1/qemu/101/pending'));
    expect(after.find((p) => p.key === 'cores')).toEqual({ key: 'cores', value: 8 });
    // A stopped guest takes changes at once.
    expect((await admin.api('PUT', '/nodes/pve2/qemu/105/config', { cores: 4 })).isError).toBe(false);
    expect(rows(await admin.read('/nodes/pve2/qemu/105/pending')).find((p) => p.key === 'cores')).toEqual({ key: 'cores', value: 4 });
  });

  it('guest extras: cloud-init dump and regenerate, feature check, move disk, unlink, consoles, rrddata', async () => {
    expect(
      (
        await admin.api('PUT', '/nodes/pve1/qemu/120/config', {
          ide2: 'local-lvm:cloudinit,media=cdrom',
          ciuser: 'admin',
          ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1',
        })
      ).isError,
    ).toBe(false);
    expect((await admin.read('/nodes/pve1/qemu/120/cloudinit/dump', { type: 'user' })).text).toMatch(/user: admin/);
    expect((await admin.read('/nodes/pve1/qemu/120/cloudinit/dump', { type: 'network' })).text).toMatch(/address: '10\.0\.0\.5\/24'/);
    expect((await admin.read('/nodes/pve1/qemu/120/cloudinit')).json).toMatch(/"key":"ciuser","pending":"admin"/);
    expect((await admin.api('PUT', '/nodes/pve1/qemu/120/cloudinit')).isError).toBe(false);
    expect((await admin.read('/nodes/pve1/qemu/120/cloudinit')).json).not.toMatch(/"pending"/);
    expect((await admin.read('/nodes/pve1/qemu/100/feature', { feature: 'snapshot' })).json).toMatch(/"hasFeature":1/);
    const moved = await admin.api('POST', '/nodes/pve2/qemu/105/move_disk', { disk: 'scsi0', storage: 'backup-nfs' });
    expect(moved.text).toMatch(/does not support vm images/);
    expect(
      (
        await admin.api('POST', '/storage', {
          storage: 'vmstore',
          type: 'nfs',
          server: '192.0.2.50',
          export: '/export/vmstore',
          content: 'images',
        })
      ).isError,
    ).toBe(false);
    const ok = await admin.api('POST', '/nodes/pve2/qemu/105/move_disk', { disk: 'scsi0', storage: 'vmstore' });
    expect(ok.isError, ok.text).toBe(false);
    const cfg = (await admin.read('/nodes/pve2/qemu/105/config')).json;
    expect(cfg).toMatch(/"scsi0":"vmstore:vm-105-disk-0/);
    expect(cfg).toMatch(/"unused0":"local-lvm:vm-105-disk-0"/);
    expect((await admin.api('PUT', '/nodes/pve2/qemu/105/unlink', { idlist: 'unused0' })).isError).toBe(false);
    expect((await admin.read('/nodes/pve2/qemu/105/config')).json).not.toMatch(/unused0/);
    expect((await admin.api('POST', '/nodes/pve1/lxc/200/termproxy')).json).toMatch(/"ticket":"PVEVNC:/);
    expect((await admin.api('POST', '/nodes/pve1/lxc/200/vncproxy')).json).toMatch(/"port"/);
    expect((await admin.read('/nodes/pve1/lxc/200/interfaces')).json).toMatch(/"name":"eth0"/);
    expect(rows(await admin.read('/nodes/pve1/lxc/200/rrddata', { timeframe: 'day' })).length).toBe(70);
    expect((await ro.api('POST', '/nodes/pve1/qemu/100/termproxy')).text).toMatch(/VM\.Console/);
  });

  it('guest agent: fsinfo, users, freeze/thaw, password', async () => {
    expect((await admin.read('/nodes/pve1/qemu/100/agent/get-fsinfo')).json).toMatch(/"mountpoint":"\/"/);
    expect((await admin.read('/nodes/pve1/qemu/102/agent/get-users')).json).toMatch(/Administrator/);
    expect((await admin.api('POST', '/nodes/pve1/qemu/100/agent/fsfreeze-freeze')).isError).toBe(false);
    expect((await admin.api('POST', '/nodes/pve1/qemu/100/agent/fsfreeze-status')).json).toMatch(/frozen/);
    expect((await admin.api('POST', '/nodes/pve1/qemu/100/agent/fsfreeze-thaw')).isError).toBe(false);
    expect(
      (await admin.api('POST', '/nodes/pve1/qemu/100/agent/set-user-password', { username: 'nobodyhere', password: 'secret123' })).text,
    ).toMatch(/does not exist/);
    expect((await ro.api('POST', '/nodes/pve1/qemu/100/agent/fsfreeze-freeze')).text).toMatch(/VM\.GuestAgent/);
  });

  it('history: a failed backup and a failed migration with logs, cluster log from several users', async () => {
    const tasks = rows(await admin.read('/cluster/tasks'));
    const backup = tasks.find((t) => t.type === 'vzdump' && t.status !== 'OK' && t.node === 'pve3');
    expect(backup, JSON.stringify(tasks.slice(0, 5))).toBeDefined();
    const log = rows(await admin.read(`/nodes/pve3/tasks/${encodeURIComponent(backup!.upid)}/log`))
      .map((l) => l.t)
      .join('\n');
    expect(log).toMatch(/ERROR: Backup of VM 107 failed - VM is locked \(backup\)/);
    const migration = tasks.find((t) => t.type === 'qmigrate' && t.id === '104');
    expect(migration?.status).toMatch(/migration aborted/);
    const cluster = rows(await admin.read('/cluster/log', { max: 100 }));
    const users = new Set(cluster.map((e) => e.user));
    for (const u of ['root@pam', 'alice@pve', 'bob@pve']) expect(users).toContain(u);
    // Ordered newest first.
    for (let i = 1; i < cluster.length; i++) expect(cluster[i - 1].time).toBeGreaterThanOrEqual(cluster[i].time);
  });

  it('datacenter options and storage configuration', async () => {
    expect((await admin.api('PUT', '/cluster/options', { keyboard: 'de', 'next-id': 'lower=1000,upper=2000' })).isError).toBe(false);
    expect((await admin.read('/cluster/options')).json).toMatch(/"keyboard":"de"/);
    expect((await admin.api('PUT', '/cluster/options', { 'next-id': 'lower=5,upper=1' })).isError).toBe(true);
    expect((await admin.api('PUT', '/storage/vmstore', { content: 'images,iso' })).isError).toBe(false);
    expect((await admin.read('/storage/vmstore')).json).toMatch(/"content":"images,iso"/);
    expect((await admin.api('POST', '/storage', { storage: 'bad', type: 'lvmthin', vgname: 'nope', thinpool: 'x' })).text).toMatch(
      /does not exist/,
    );
    expect((await admin.api('DELETE', '/storage/local-lvm')).text).toMatch(/is used by/);
    expect((await ro.api('POST', '/storage', { storage: 'xy', type: 'dir', path: '/xy' })).text).toMatch(/Datastore\.Allocate/);
  });
});
