import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { answer } from '../../src/schema/discovery.js';
import { OperationSearch } from '../../src/schema/search.js';
import { knowledgeFor } from '../../src/schema/knowledge/index.js';
import { apidocFile, catalogFor } from './shared.js';

// One test per class of request that discovery used to get wrong (issue 11), several wordings each,
// on every PVE schema version. None of these wordings is in the benchmark sets (bench/discovery-eval).

const VERSIONS = ['7.4', '8.4', '9.2'].filter((v) => existsSync(apidocFile(v)));
const missing = VERSIONS.length === 0 ? ` (needs ${apidocFile('9.2')})` : '';

const Q = '/nodes/{node}/qemu/{vmid}';
const L = '/nodes/{node}/lxc/{vmid}';
const QCONFIG = [`PUT ${Q}/config`, `POST ${Q}/config`];
const LCONFIG = [`PUT ${L}/config`];

/** The operations the answer lists, best first. */
function listed(version: string, query: string): string[] {
  return (answer(catalogFor(version), { query }).operations ?? []).map((op) => `${op.method} ${op.path}`);
}

function expectAmong(version: string, query: string, accepted: string[], within: number): void {
  const got = listed(version, query).slice(0, within);
  expect(
    got.some((g) => accepted.includes(g)),
    `${version}: "${query}" -> ${got.join(', ')}`,
  ).toBe(true);
}

describe.skipIf(VERSIONS.length === 0)(`discovery by class of request${missing}`, () => {
  for (const v of VERSIONS) {
    describe(`PVE ${v}`, () => {
      it('finds the config operation when a setting lives inside it (and the reader for a question)', () => {
        expectAmong(v, 'attach a second network adapter on bridge vmbr2 to vm 310', QCONFIG, 1);
        expectAmong(v, 'set vm 15 cpu model to host', QCONFIG, 1);
        expectAmong(v, 'enable ssd emulation on the disk of vm 40', QCONFIG, 1);
        expectAmong(v, 'allow nesting in container 210', LCONFIG, 1);
        expectAmong(v, 'give ct 44 a bind mount of /srv/data', LCONFIG, 1);
        expectAmong(v, 'which bridge does net0 of vm 7 use', [`GET ${Q}/config`], 1);
        // Creating a guest takes the same settings; a named guest is not created anew.
        expect(listed(v, 'set the vlan tag of vm 88 to 20')[0]).not.toBe('POST /nodes/{node}/qemu');
      });

      it('reads through typos in longer words, leaving short words alone', () => {
        expectAmong(v, 'shutdwon container 300', [`POST ${L}/status/shutdown`], 1);
        expectAmong(v, 'snaphsot vm 12', [`POST ${Q}/snapshot`], 1);
        expectAmong(v, 'migrtae ct 5 to node2', [`POST ${L}/migrate`], 1);
        expectAmong(v, 'deelte user carl@pve', ['DELETE /access/users/{userid}'], 1);
        // The answer says how it read the request.
        expect(answer(catalogFor(v), { query: 'snaphsot vm 12' }).text).toContain('snaphsot->snapshot');
        // A four-letter word short of one letter of a verb is that verb; names of four letters stay.
        expect(answer(catalogFor(v), { query: 'chek the status of ct 5' }).text).toContain('chek->check');
        for (const q of ['move vm 5 to pool tank', 'back up the prod vms', 'list vms of bobs group']) {
          expect(answer(catalogFor(v), { query: q }).text).not.toContain('read as');
        }
        // Everyday words and the words of known phrases are no typos of schema words.
        for (const q of ['are there any snapshots of vm 5', 'bring back container 9 from its backup', 'shut vm 4 down please']) {
          expect(answer(catalogFor(v), { query: q }).text).not.toContain('read as');
        }
        // A known word with an English ending is that word's kin, not a typo of a neighbour ("deletion" is no "detection").
        for (const q of [
          'protect vm 7 from accidental deletion',
          'the creation date of vm 7',
          'move the customers vms to pool b',
          'list the production vms',
        ]) {
          expect(answer(catalogFor(v), { query: q }).text).not.toMatch(/read as: .*(deletion|creation|customers?|production)->/);
        }
        // Typos with such an ending are still mended.
        expect(answer(catalogFor(v), { query: 'start the migation of vm 7' }).text).toContain('migation->migration');
      });

      it('does not let an incidental word take over the request', () => {
        expectAmong(
          v,
          'stop replicating vm 50 to pve3',
          ['DELETE /cluster/replication/{id}', 'PUT /cluster/replication/{id}', 'POST /cluster/replication'],
          2,
        );
        expect(listed(v, 'stop replicating vm 50 to pve3')[0]).not.toBe(`POST ${Q}/status/stop`);
        expectAmong(
          v,
          'start the ceph metadata server on pve2',
          ['POST /nodes/{node}/ceph/start', 'POST /nodes/{node}/ceph/mds/{name}'],
          2,
        );
        expectAmong(v, 'turn on the firewall of container 120', [`PUT ${L}/firewall/options`], 1);
        expectAmong(v, 'kill the stuck backup task on pve1', ['DELETE /nodes/{node}/tasks/{upid}'], 1);
      });

      it('takes the action the words mean on the right object', () => {
        expectAmong(v, 'hard reboot vm 80', [`POST ${Q}/status/reset`], 1);
        expectAmong(v, 'force stop ct 12', [`POST ${L}/status/stop`], 1);
        // Detaching leaves the disk as unused: a config change, never unlink (which deletes the image).
        expectAmong(v, 'detach the iso from vm 33', QCONFIG, 1);
        expectAmong(v, 'detach sata2 from vm 61', QCONFIG, 1);
        expect(listed(v, 'detach virtio1 from vm 4').slice(0, 2)).not.toContain(`DELETE ${Q}`);
        // Any member of an indexed family, named as the config names it, is that family's setting.
        expectAmong(v, 'take hostpci1 off vm 22', QCONFIG, 1);
        expect(listed(v, 'remove usb2 from vm 30')[0]).not.toBe(`DELETE ${Q}`);
        // A hung guest cannot shut down: the forceful variant, said after the verb too (a container has no reset).
        expectAmong(v, 'reboot vm 52 hard please', [`POST ${Q}/status/reset`], 1);
        expectAmong(v, 'vm 19 is unresponsive, restart it', [`POST ${Q}/status/reset`], 1);
        expectAmong(v, 'ct 44 froze, reboot it', [`POST ${L}/status/reboot`], 1);
        expectAmong(v, 'unplug net2 from vm 9', QCONFIG, 1);
        expectAmong(v, 'remove vm 70 from ha', ['DELETE /cluster/ha/resources/{sid}'], 1);
        // Removing a device from a guest never destroys the guest.
        expect(listed(v, 'remove the usb device from vm 18')[0]).not.toBe(`DELETE ${Q}`);
      });

      it('answers what there is and in which state from the cluster-wide lists', () => {
        expectAmong(v, 'which containers are stopped at the moment', ['GET /cluster/resources'], 1);
        expectAmong(v, 'list running guests', ['GET /cluster/resources'], 1);
        expectAmong(v, 'which proxmox release is this cluster on', ['GET /version', 'GET /nodes/{node}/version'], 2);
        expectAmong(v, 'any failed jobs since yesterday?', ['GET /cluster/tasks', 'GET /nodes/{node}/tasks'], 2);
      });

      it('names users and tokens by their IDs, but not e-mail addresses', () => {
        expectAmong(v, 'disable ann@pve', ['PUT /access/users/{userid}'], 1);
        expectAmong(v, 'delete tom@pve', ['DELETE /access/users/{userid}'], 1);
        expectAmong(v, 'what groups is mia@pve in', ['GET /access/users/{userid}'], 1);
        expectAmong(v, 'revoke the token ci@pve!deploy', ['DELETE /access/users/{userid}/token/{tokenid}'], 3);
        const search = new OperationSearch(catalogFor(v));
        expect(search.parse('send the report to ops@example.com').concepts.map((c) => c.concept)).not.toContain('user ID');
      });

      it('stops or restarts a thing without creating or destroying one, and stops a task under way as a task', () => {
        expectAmong(v, 'stop the ceph mgr on pve1', ['POST /nodes/{node}/ceph/stop'], 2);
        expectAmong(v, 'restart the ceph monitor on node3', ['POST /nodes/{node}/ceph/restart'], 1);
        expect(listed(v, 'stop the ceph mgr on pve1')[0]).not.toMatch(/^(POST|DELETE) \/nodes\/\{node\}\/ceph\/mgr/);
        expectAmong(v, 'kill the migration task on pve1', ['DELETE /nodes/{node}/tasks/{upid}'], 1);
        expectAmong(v, 'abort the vzdump process', ['DELETE /nodes/{node}/tasks/{upid}'], 1);
        expectAmong(v, 'cancel the running clone task', ['DELETE /nodes/{node}/tasks/{upid}'], 1);
        expectAmong(v, 'pause the replication of vm 50', ['PUT /cluster/replication/{id}'], 1);
        expectAmong(v, 'suspend the backup job for the holidays', ['PUT /cluster/backup/{id}'], 1);
        expectAmong(v, 'start the firewall on pve2', ['PUT /nodes/{node}/firewall/options'], 1);
      });

      it('changes the membership when something joins or leaves a pool or group', () => {
        const pools = ['PUT /pools', 'PUT /pools/{poolid}'];
        expectAmong(v, 'remove vm 12 from pool prod', pools, 1);
        expectAmong(v, 'put ct 7 into the pool test', pools, 1);
        expectAmong(v, 'add user bob to group admins', ['PUT /access/users/{userid}'], 1);
        expectAmong(v, 'remove carl@pve from the admins group', ['PUT /access/users/{userid}'], 1);
        // The pool itself stays.
        expect(listed(v, 'remove vm 12 from pool prod')[0]).not.toMatch(/^DELETE/);
      });

      it('reads a word after an article as a noun, and everyday words as filler', () => {
        expectAmong(v, 'change the schedule of the backup job', ['PUT /cluster/backup/{id}'], 1);
        expectAmong(v, 'edit the comment of the storage nas', ['PUT /storage/{storage}'], 1);
        // A question about a setting reads it, even when the setting's name is also a verb ("order").
        expectAmong(v, 'what is the boot order of vm 4', [`GET ${Q}/config`], 1);
        expectAmong(v, 'power cycle vm 60', [`POST ${Q}/status/reset`], 1);
        expectAmong(v, 'wake vm 20 from hibernation', [`POST ${Q}/status/resume`], 1);
        expectAmong(v, 'force reboot ct 12', [`POST ${L}/status/reboot`], 1);
        expectAmong(v, 'stop vm 100 from starting at boot', QCONFIG, 1);
        expectAmong(v, 'delete the unused disk of vm 3', [...QCONFIG, `PUT ${Q}/unlink`], 1);
        expectAmong(v, 'disconnect the network of vm 23', QCONFIG, 1);
        expectAmong(v, 'how much free space is on local-lvm', ['GET /nodes/{node}/storage/{storage}/status'], 1);
      });

      it('answers goals with the steps of a recipe, in order', () => {
        const crash = answer(catalogFor(v), { query: 'vm 9 randomly freezes overnight, what is wrong' });
        expect(crash.text).toMatch(/Goal ".*crash/);
        expect(crash.text).toMatch(/1\. GET \/nodes\/\{node\}\/tasks/);
        expectAmong(
          v,
          'the node pve2 needs a bios update, move the guests away first without downtime',
          ['POST /nodes/{node}/migrateall', `POST ${Q}/migrate`],
          5,
        );
        expectAmong(v, 'a colleague locked himself out, forgot the password', ['PUT /access/password'], 5);
        expectAmong(v, 'someone removed a container yesterday, who was it', ['GET /cluster/tasks', 'GET /cluster/log'], 5);
        // One word few goals hold, with one more, is a goal; a goal's main step leads its operations.
        const freeze = answer(catalogFor(v), { query: 'ct 12 hangs every few hours' });
        expect(freeze.text).toMatch(/Goal ".*crash/);
        const drain = answer(catalogFor(v), { query: 'pve3 needs new ram, get everything off it without downtime first' });
        expect(drain.text).toMatch(/migrateall .*\(the step that does it\)/);
        expect(drain.operations?.[0]?.path).toBe('/nodes/{node}/migrateall');
        // A goal about a container takes the container's operations, and none only a VM has.
        const offline = answer(catalogFor(v), { query: 'my ct 20 has no internet, cant ping anything' });
        expect(offline.text).toContain(`GET ${L}/config`);
        expect(offline.text).not.toMatch(/\d\. \w+ \/nodes\/\{node\}\/qemu\//);
        // A hit that does what the verb says to the thing named comes before any goal.
        expectAmong(v, 'restore vm 100 from last nights backup', ['POST /nodes/{node}/qemu'], 1);
        expectAmong(v, 'kill the hung vm 66', [`POST ${Q}/status/stop`], 1);
        // Every step a recipe shows exists in this schema, in the recipe's order.
        const search = new OperationSearch(catalogFor(v));
        for (const r of search.recipes.recipes) for (const s of r.steps) expect(catalogFor(v).get(s.op.method, s.op.path)).toBe(s.op);
        expect(search.recipes.recipes.length).toBeGreaterThanOrEqual(35);
      });

      it('reads the account of user@realm as the user, and locking it as disabling it', () => {
        expectAmong(v, 'lock the account of joe@pve', ['PUT /access/users/{userid}'], 1);
        expectAmong(v, 'block out ana@pam', ['PUT /access/users/{userid}'], 1);
        expectAmong(v, 'suspend the account for temp@pve until further notice', ['PUT /access/users/{userid}'], 1);
        // A guest's lock is no user's: the rule needs a user beside it.
        expect(listed(v, 'lock the account of joe@pve')[0]).not.toMatch(/acme/);
      });

      it('reboots or shuts down the node a request names, and a guest when it names one', () => {
        expectAmong(v, 'reboot pve2', ['POST /nodes/{node}/status'], 1);
        expectAmong(v, 'restart the host pve3', ['POST /nodes/{node}/status'], 1);
        expectAmong(v, 'shut down node px1 tonight', ['POST /nodes/{node}/status'], 1);
        expectAmong(v, 'reboot vm 100 on pve2', [`POST ${Q}/status/reboot`], 1);
        expectAmong(v, 'restart pve1 vm 5', [`POST ${Q}/status/reboot`], 1);
      });

      it("finds a guest's backups on the storages, and backup jobs where the request is about jobs", () => {
        const content = 'GET /nodes/{node}/storage/{storage}/content';
        for (const q of [
          'what backups do we have of vm 310',
          'show me the backup archives of ct 12',
          'the most recent backup for container 9?',
        ]) {
          expectAmong(v, q, [content], 1);
        }
        expectAmong(v, 'list the backup schedules', ['GET /cluster/backup'], 1);
        expectAmong(v, 'back up ct 12 right now', ['POST /nodes/{node}/vzdump'], 1);
      });

      it('answers what Proxmox version runs with the version, whatever the question says around it', () => {
        for (const q of [
          'which release of proxmox are we running?',
          'what proxmox ve version do you have',
          'tell me the pve version it is running',
          // What the question says around it names nothing else: not the packages, not a command to run.
          'what version of proxmox ve is this',
          'what proxmox release do you run',
        ]) {
          expectAmong(v, q, ['GET /version', 'GET /nodes/{node}/version'], 1);
        }
      });

      it('powers a named node off with its shutdown and on with wake-on-LAN, whatever the phrasal verb', () => {
        for (const q of ['power off pve4', 'please turn off the host px2', 'switch off node pve1 for the weekend', 'power down hv3']) {
          expectAmong(v, q, ['POST /nodes/{node}/status'], 1);
        }
        for (const q of ['power on pve4', 'wake up the node px2', 'boot host pve1 again', 'turn on hv3']) {
          expectAmong(v, q, ['POST /nodes/{node}/wakeonlan'], 1);
        }
        // A guest named after the node is still the guest's power.
        expectAmong(v, 'power off pve4 vm 120', [`POST ${Q}/status/stop`], 1);
        expectAmong(v, 'turn on pve4 vm 120', [`POST ${Q}/status/start`], 1);
      });

      it('reads "protected by HA" as the HA resources, not the protection flag', () => {
        for (const q of [
          'list the vms protected by high availability',
          'which guests are covered by ha',
          'show which containers are watched by the ha manager',
        ]) {
          expectAmong(v, q, ['GET /cluster/ha/resources'], 1);
        }
        expectAmong(v, 'is ct 200 protected against deletion', ['GET /nodes/{node}/lxc/{vmid}/config'], 1);
      });

      it("finds the datacenter's HA shutdown policy where a request names it or what it is for", () => {
        expectAmong(v, 'what is the ha shutdown policy', ['GET /cluster/options'], 1);
        // Said as what it is for: the option, read or set, and no guest's shutdown or migration.
        expectAmong(v, 'have ha move the guests away when their node is shut down', ['GET /cluster/options', 'PUT /cluster/options'], 1);
        expectAmong(v, 'change the ha behaviour so that vms are migrated off before a host reboots', ['PUT /cluster/options'], 1);
      });

      it('answers which guests would survive a node failing with the HA resources, among the first', () => {
        for (const q of ['what happens to my vms if pve2 crashes', 'which guests would survive the host px3 dying']) {
          expectAmong(v, q, ['GET /cluster/ha/resources'], 5);
        }
      });

      it('answers how long a node or guest has been up with its status', () => {
        for (const q of ['how long has node pve2 been up for', 'since when is the host px1 online']) {
          expectAmong(v, q, ['GET /nodes/{node}/status'], 1);
        }
        expectAmong(v, 'how long has vm 100 been running', [`GET ${Q}/status/current`], 1);
      });

      it('says so when the best match is weak, and names areas to browse', () => {
        const weak = answer(catalogFor(v), { query: 'frobnicate the quantum flux capacitor' });
        expect(weak.text).toMatch(/Weak match.*Closest areas to browse: \//);
        for (const q of ['reboot vm 100', 'list the storages of the cluster', 'delete user carl@pve']) {
          expect(answer(catalogFor(v), { query: q }).text).not.toMatch(/Weak match/);
        }
      });
    });
  }

  it('keeps answers small', () => {
    const v = VERSIONS.at(-1)!;
    for (const q of ['vm 9 randomly freezes overnight, what is wrong', 'unplug net2 from vm 9', 'frobnicate the quantum flux capacitor']) {
      expect(answer(catalogFor(v), { query: q }).text.split('\n').length).toBeLessThanOrEqual(11);
    }
  });

  it('survives hostile requests without changing its answers to ordinary ones', () => {
    const v = VERSIONS.at(-1)!;
    const before = listed(v, 'reboot vm 100');
    for (const q of [
      '__proto__ constructor prototype',
      'a'.repeat(5000),
      `${'x '.repeat(3000)}vm`,
      'vm\u0000\u0007 1\u001b[31m',
      '%00%2e%2e/etc/passwd',
      '💥'.repeat(100),
      // The patterns for IDs, memberships and phrasal verbs on long runs of their own pieces.
      `${'a.'.repeat(3000)}@pve`,
      `remove ${'vm '.repeat(3000)}from the pool`,
      `turn ${'the '.repeat(3000)}on`,
    ]) {
      expect(() => answer(catalogFor(v), { query: q })).not.toThrow();
    }
    expect(listed(v, 'reboot vm 100')).toEqual(before);
  });
});

describe('discovery knowledge', () => {
  it('keeps recipes and concepts per product, with an empty fallback', () => {
    const pve = knowledgeFor('pve');
    expect(pve.recipes.length).toBeGreaterThanOrEqual(35);
    expect(pve.concepts.length).toBeGreaterThan(20);
    expect(knowledgeFor('nothing-such')).toEqual({ product: 'nothing-such', concepts: [], recipes: [] });
  });
});

describe('the evaluation set', () => {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/discovery-eval');
  const sets = ['tuning', 'heldout'].map(
    (h) => JSON.parse(readFileSync(path.join(dir, `${h}.json`), 'utf8')) as Array<{ q: string; a: string[]; kind: string }>,
  );

  it('has at least 150 requests, a quarter-hundred indirect, split without overlap', () => {
    const all = sets.flat();
    expect(all.length).toBeGreaterThanOrEqual(150);
    expect(all.filter((t) => t.kind === 'indirect').length).toBeGreaterThanOrEqual(25);
    const tuning = new Set(sets[0].map((t) => t.q));
    expect(sets[1].filter((t) => tuning.has(t.q))).toEqual([]);
  });

  it.skipIf(!existsSync(apidocFile('9.2')))('accepts only operations PVE 9.2 has', () => {
    const catalog = catalogFor('9.2');
    const unknown = sets
      .flat()
      .flatMap((t) => t.a.filter((a) => !catalog.get(a.split(' ')[0] as 'GET', a.split(' ')[1])).map((a) => `${t.q}: ${a}`));
    expect(unknown).toEqual([]);
  });
});
