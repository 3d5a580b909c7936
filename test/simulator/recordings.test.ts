import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { allOperations } from '../../src/simulator/routes/index.js';
import { Router } from '../../src/simulator/server.js';
import { isUpid, parseUpid } from '../../src/proxmox/upid.js';
import { rawRequest, tokenHeader, type RawAnswer } from './helpers.js';
import { pathToFileURL } from 'node:url';
import { apidocFile, needsNote, sharedPath } from '../reference-data.js';

const dir = pathToFileURL(sharedPath('pve-recordings') + '/');
const apidocPath = apidocFile('9.2');

interface Interaction {
  id: number;
  method: string;
  path: string;
  pathTemplate: string;
  query: Record<string, string | string[]>;
  requestContentType: string | null;
  requestBody: Record<string, string> | string | null;
  status: number;
  reason: string;
  responseContentType: string;
  response: Record<string, unknown>;
}

/** The recorded lab's topology, mapped onto the simulator's (see SOURCES.md: node `pve` is scrubbed). */
const NODE_MAP: Record<string, string> = { pve: 'pve1', 'pve2-dogfood': 'pve2', 'pve3-dogfood': 'pve3' };
const STORAGE_MAP: Record<string, string> = { 'local-zfs': 'local-lvm' };

/**
 * Keys a real answer has only in some states the recording happened to be in: `hastate` for
 * HA-managed guests (the recorded guests were under HA), `lock` while a guest is locked.
 */
const STATE_DEPENDENT = new Set(['hastate', 'lock']);

const router = new Router(allOperations());

function realReturns(): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  if (!existsSync(apidocPath)) return out;
  const walk = (n: any) => {
    for (const [m, info] of Object.entries<any>(n.info ?? {})) {
      const r = info.returns ?? {};
      out.set(`${m} ${n.path}`, r.items?.properties ?? r.properties ?? {});
    }
    (n.children ?? []).forEach(walk);
  };
  (JSON.parse(readFileSync(apidocPath, 'utf8')) as unknown[]).forEach(walk);
  return out;
}
const declared = realReturns();

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string' && isUpid(v)) return 'upid';
  return typeof v;
}

/** Compares the shape of a simulated answer with a recorded one; returns the differences. */
function shapeDiff(rec: unknown, sim: unknown, allowed: Record<string, unknown>, where: string): string[] {
  const kr = kind(rec);
  const ks = kind(sim);
  if (kr !== ks)
    return [`${where}: recorded ${kr} (${JSON.stringify(rec)?.slice(0, 80)}), simulated ${ks} (${JSON.stringify(sim)?.slice(0, 80)})`];
  if (kr === 'array') {
    const r = rec as unknown[];
    const s = sim as unknown[];
    if (!r.length || !s.length) return [];
    if (typeof r[0] !== 'object' || r[0] === null) return shapeDiff(r[0], s[0], {}, `${where}[0]`);
    const group = (x: any) => String(x?.type ?? '');
    const diffs: string[] = [];
    for (const g of new Set(r.map(group))) {
      const recItems = r.filter((x) => group(x) === g) as Array<Record<string, unknown>>;
      const simItems = s.filter((x) => group(x) === g) as Array<Record<string, unknown>>;
      if (!simItems.length) {
        diffs.push(`${where}: no simulated item of type '${g}'`);
        continue;
      }
      diffs.push(...objectDiff(recItems, simItems, allowed, `${where}[type=${g}]`, true));
    }
    return diffs;
  }
  if (kr === 'object') return objectDiff([rec as Record<string, unknown>], [sim as Record<string, unknown>], allowed, where, false);
  return [];
}

function objectDiff(
  recs: Array<Record<string, unknown>>,
  sims: Array<Record<string, unknown>>,
  allowed: Record<string, unknown>,
  where: string,
  list: boolean,
): string[] {
  const diffs: string[] = [];
  const union = new Set(recs.flatMap((o) => Object.keys(o)));
  const required = [...union].filter((k) => recs.every((o) => k in o) && !STATE_DEPENDENT.has(k));
  for (const k of required) {
    const present = list ? sims.some((o) => k in o) : k in sims[0];
    if (!present) diffs.push(`${where}: missing key '${k}'`);
  }
  for (const o of sims) {
    for (const k of Object.keys(o)) {
      if (!union.has(k) && !(k in allowed)) diffs.push(`${where}: invented key '${k}'`);
    }
  }
  for (const k of union) {
    const rv = recs.find((o) => k in o)![k];
    const sv = sims.find((o) => k in o)?.[k];
    if (sv === undefined) continue;
    const nested = rv !== null && typeof rv === 'object' && !Array.isArray(rv);
    if (nested) diffs.push(...shapeDiff(rv, sv, {}, `${where}.${k}`));
    else if (kind(rv) !== kind(sv) && !(kind(rv) === 'string' && kind(sv) === 'upid')) {
      diffs.push(`${where}.${k}: recorded ${kind(rv)}, simulated ${kind(sv)}`);
    }
  }
  return [...new Set(diffs)];
}

const totals = { replayed: 0, skipped: 0, skippedOps: new Set<string>() };

const cassettes = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => /^Test.*\.json$/.test(f))
      .sort()
  : [];

describe.skipIf(!cassettes.length)(
  `recorded PVE sessions replay against the simulator (${needsNote(sharedPath('pve-recordings'))})`,
  () => {
    afterAll(() => {
      process.stderr.write(
        `recordings: ${totals.replayed} interactions replayed, ${totals.skipped} skipped (not simulated: ${[...totals.skippedOps].sort().join(', ')})\n`,
      );
    });

    for (const file of cassettes) {
      it(file, async () => {
        const interactions = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Interaction[];
        // The recorded labs had never used HA when a test began (their HA resource list is empty).
        const sim: SimulatorHandle = await startSimulator({ taskDurationMs: 60_000, quiet: true, seedHa: false });
        const upids = new Map<string, string>();
        let auth: Record<string, string> = tokenHeader(sim.tokens.admin);
        const failures: string[] = [];
        try {
          for (const rec of interactions) {
            const mapValue = (v: string) => {
              if (NODE_MAP[v]) return NODE_MAP[v]; // node names as values: `node_id`, HA migrate `node`
              let out = upids.get(v) ?? v;
              for (const [from, to] of Object.entries(STORAGE_MAP)) out = out.replace(new RegExp(`^${from}(?=:|$)`), to);
              return out;
            };
            let segments = rec.path
              .split('/')
              .filter(Boolean)
              .map((s) => decodeURIComponent(s));
            segments = segments.map((s, i) => (segments[i - 1] === 'nodes' ? (NODE_MAP[s] ?? s) : mapValue(s)));
            // A guest the recorded lab moved with HA stays where the simulator created it.
            if (segments[0] === 'nodes' && (segments[2] === 'qemu' || segments[2] === 'lxc') && segments[3]) {
              const g = sim.state.cluster.guests.get(Number(segments[3]));
              if (g) segments[1] = g.node;
            }
            if (segments[2] === 'tasks' && segments[3]) {
              const u = parseUpid(segments[3]);
              if (u && !sim.state.tasks.get(segments[3])) {
                // The task came from an operation the simulator does not implement.
                totals.skipped++;
                totals.skippedOps.add(`${rec.method} ${rec.pathTemplate} (of such a task)`);
                continue;
              }
              if (u) segments[1] = u.node;
            }
            const match = router.match(rec.method, segments);
            if (!match || match === 'path-only') {
              totals.skipped++;
              totals.skippedOps.add(`${rec.method} ${rec.pathTemplate}`);
              continue;
            }
            totals.replayed++;
            const form: Record<string, string> = {};
            if (rec.requestBody && typeof rec.requestBody === 'object') {
              for (const [k, v] of Object.entries(rec.requestBody)) form[k] = mapValue(String(v));
            }
            if (rec.pathTemplate === '/access/ticket' && rec.method === 'POST') form.password = sim.login.password;
            if (rec.pathTemplate === '/nodes/{node}/tasks/{upid}/status') {
              const recordedStatus = (rec.response.data as Record<string, unknown> | null)?.status;
              if (recordedStatus === 'stopped') sim.state.tasks.finish(segments[3]);
            }
            // The recorded HA manager did its background work between the calls (electing a master,
            // learning the nodes, moving services); let the simulated one catch up the same way. Not
            // right after a resource was added: the recorded rule creation failed because the CRM had
            // not learned the nodes yet.
            const ha = sim.state.cluster.ha;
            const haCall =
              rec.pathTemplate.startsWith('/cluster/ha/') && !(rec.method === 'POST' && rec.pathTemplate === '/cluster/ha/resources');
            if (haCall && rec.status === 200) ha.settle({ arm: false });
            // Arming and disarming take effect in steps; step the simulated CRM to the recorded one.
            if (rec.pathTemplate === '/cluster/ha/status/current') {
              const fencing = (rec.response.data as Array<Record<string, unknown>>).find((r) => r.type === 'fencing');
              for (let i = 0; i < 3 && fencing && ha.armedState !== fencing['armed-state'] && ha.stepArm(); i++);
            }
            const path = `/api2/json/${segments.map(encodeURIComponent).join('/')}`;
            // The one upload keeps only a placeholder for its multipart body; send a small ISO instead.
            const multipart =
              typeof rec.requestBody === 'string' && String(rec.requestContentType).startsWith('multipart/form-data')
                ? { fields: { content: 'iso' }, file: { field: 'filename', filename: 'sdk-itest.iso', data: Buffer.alloc(4096, 1) } }
                : undefined;
            const answer: RawAnswer = await rawRequest(sim, rec.method, path, {
              query: rec.query,
              form: rec.method === 'GET' || multipart ? undefined : form,
              multipart,
              headers: auth,
            });
            const label = `${file}#${rec.id} ${rec.method} ${rec.pathTemplate}`;
            if (answer.status !== rec.status)
              failures.push(`${label}: status ${answer.status} ${answer.reason} (${answer.text.slice(0, 200)}), recorded ${rec.status}`);
            if (rec.status === 200 && answer.reason !== 'OK') failures.push(`${label}: reason '${answer.reason}'`);
            if (answer.contentType !== rec.responseContentType) failures.push(`${label}: content type '${answer.contentType}'`);
            const recKeys = Object.keys(rec.response).sort().join(',');
            const simKeys = Object.keys(answer.body ?? {})
              .sort()
              .join(',');
            if (recKeys !== simKeys) failures.push(`${label}: envelope keys {${simKeys}}, recorded {${recKeys}}`);
            const allowed = declared.get(`${match.op.method} ${match.op.path}`) ?? {};
            failures.push(...shapeDiff(rec.response.data, answer.body?.data, allowed, label));
            const recData = rec.response.data;
            if (typeof recData === 'string' && isUpid(recData) && typeof answer.body?.data === 'string')
              upids.set(recData, answer.body.data);
            if (rec.pathTemplate === '/access/ticket' && answer.status === 200) {
              const d = answer.body.data;
              auth = { Cookie: `PVEAuthCookie=${encodeURIComponent(d.ticket)}`, CSRFPreventionToken: d.CSRFPreventionToken };
            }
          }
        } finally {
          await sim.close();
        }
        expect(failures).toEqual([]);
      });
    }

    it('replays (nearly) all recorded interactions', () => {
      expect(totals.replayed).toBeGreaterThanOrEqual(220);
      expect(totals.skipped).toBeLessThanOrEqual(totals.replayed / 30);
    });
  },
);
