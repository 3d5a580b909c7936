import { createHash } from 'node:crypto';
import { PveError } from './errors.js';
import { applyPending } from './pending.js';

/** The part of a guest that HA reads and drives. */
interface Guest {
  vmid: number;
  type: 'qemu' | 'lxc';
  node: string;
  power: 'running' | 'stopped' | 'paused';
  startedAt: number;
  procs: { clear(): void };
  hastate?: string;
  config: Record<string, string | number>;
  pending?: Record<string, string | number>;
  pendingDelete?: string[];
}

/**
 * What HA needs of the cluster state. Declared here rather than imported, because state.ts owns the
 * HaManager and importing it back would make the two modules a cycle.
 */
export interface SimState {
  readonly guests: ReadonlyMap<number, Guest>;
  readonly nodes: ReadonlyArray<{ node: string; id: number }>;
  moveGuest(g: Guest, target: string): void;
}

/** One HA resource as `/etc/pve/ha/resources.cfg` holds it. */
export interface HaResource {
  sid: string;
  type: 'vm' | 'ct';
  vmid: number;
  state: 'started' | 'stopped' | 'enabled' | 'disabled' | 'ignored';
  comment?: string;
  max_restart?: number;
  max_relocate?: number;
  failback?: 0 | 1;
  'auto-rebalance'?: 0 | 1;
  group?: string;
}

export interface HaRule {
  rule: string;
  type: 'node-affinity' | 'resource-affinity';
  resources: string[];
  affinity?: 'positive' | 'negative';
  /** `node[:pri],...` */
  nodes?: string;
  strict?: 0 | 1;
  comment?: string;
  disable?: 0 | 1;
  order: number;
}

/** The CRM's view of one service (manager_status.service_status). */
interface Service {
  node: string;
  /** crm_state: started, stopped, request_stop, migrate, relocate, freeze, ignored, disabled, error. */
  crm: string;
  /** The verbose state shown in status/current (`starting` while the LRM starts it). */
  verbose: string;
  target?: string;
  uid: string;
  pending?: { at: number; apply: () => void };
}

export type ArmedState = 'armed' | 'disarming' | 'disarmed';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Thu Jul 23 12:36:06 2026`, as Perl's localtime() prints (UTC here). */
export function ctime(sec: number): string {
  const d = new Date(sec * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

const nowSec = () => Math.floor(Date.now() / 1000);

/** `vm:100`, `ct:200` or a bare VMID (the guest's type decides). */
export function parseSid(state: SimState, raw: string, mustExist = true): { sid: string; type: 'vm' | 'ct'; vmid: number } {
  const m = /^(?:(vm|ct):)?(\d+)$/.exec(raw.trim());
  if (!m) throw new PveError(400, 'Parameter verification failed.', { sid: `unable to parse HA resource ID '${raw}'` });
  const vmid = Number(m[2]);
  const g = state.guests.get(vmid);
  let type = m[1] as 'vm' | 'ct' | undefined;
  if (!type) {
    if (!g) throw new PveError(500, `unable to find VM/CT ${vmid}\n`);
    type = g.type === 'qemu' ? 'vm' : 'ct';
  }
  if (mustExist && !g) throw new PveError(500, `unable to find ${type === 'vm' ? 'VM' : 'CT'} ${vmid}\n`);
  if (g && (g.type === 'qemu') !== (type === 'vm')) {
    throw new PveError(500, `The resource's type '${type}' does not match with VMID ${vmid}'s type '${g.type === 'qemu' ? 'vm' : 'ct'}'\n`);
  }
  return { sid: `${type}:${vmid}`, type, vmid };
}

/**
 * The HA stack of the simulated cluster: the configuration (resources, rules) and the CRM master's
 * state machine. The CRM works in the background, so its steps take `delayMs`; they are applied
 * lazily when the state is next looked at (`advance`), or at once with `settle`.
 */
export class HaManager {
  readonly resources = new Map<string, HaResource>();
  readonly rules = new Map<string, HaRule>();
  private readonly services = new Map<string, Service>();
  /** The master's view of the nodes; empty until a CRM became master. */
  private readonly nodeStatus = new Map<string, string>();
  master?: string;
  private masterSince = 0;
  private activateAt?: number;
  armed: ArmedState = 'armed';
  resourceMode?: 'freeze' | 'ignore';
  private armPending?: { at: number; apply: () => void };
  private ruleOrder = 1;
  private uidSeq = 0;
  offline: Set<string> = new Set();

  constructor(
    private readonly state: SimState,
    public delayMs = 800,
  ) {}

  get active(): boolean {
    return this.master !== undefined;
  }

  /** The local node answering API calls. */
  get localNode(): string {
    return this.state.nodes[0].node;
  }

  private onlineNodes(): string[] {
    return this.state.nodes.map((n) => n.node).filter((n) => !this.offline.has(n));
  }

  /** Starts the CRM (a master gets elected and learns the nodes) after the usual delay. */
  activate(immediately = false): void {
    if (this.active) return;
    if (immediately) {
      this.becomeMaster();
      return;
    }
    this.activateAt ??= Date.now() + this.delayMs;
  }

  private becomeMaster(): void {
    this.activateAt = undefined;
    this.master = this.onlineNodes()[0] ?? this.localNode;
    this.masterSince = nowSec();
    for (const n of this.state.nodes) this.nodeStatus.set(n.node, this.offline.has(n.node) ? 'unknown' : 'online');
    for (const sid of this.resources.keys()) this.ensureService(sid);
  }

  private ensureService(sid: string): Service | undefined {
    const res = this.resources.get(sid);
    const g = res && this.state.guests.get(res.vmid);
    if (!res || !g) return undefined;
    let svc = this.services.get(sid);
    if (!svc) {
      svc = { node: g.node, crm: 'request_start', verbose: 'queued', uid: this.uid() };
      this.services.set(sid, svc);
    }
    return svc;
  }

  private uid(): string {
    return createHash('md5')
      .update(`ha-${++this.uidSeq}-${Date.now()}`)
      .digest('base64')
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 22);
  }

  /** Applies every CRM step whose time has come. */
  advance(at = Date.now(), includeArm = true): void {
    if (this.activateAt !== undefined && at >= this.activateAt) this.becomeMaster();
    if (includeArm && this.armPending && at >= this.armPending.at) {
      const p = this.armPending;
      this.armPending = undefined;
      p.apply();
    }
    if (!this.active) return;
    for (const n of this.state.nodes) this.nodeStatus.set(n.node, this.offline.has(n.node) ? 'unknown' : 'online');
    for (const [sid, svc] of this.services) {
      if (!this.resources.has(sid) || !this.state.guests.has(this.resources.get(sid)!.vmid)) {
        this.services.delete(sid);
        continue;
      }
      if (svc.pending && at >= svc.pending.at) {
        const p = svc.pending;
        svc.pending = undefined;
        p.apply();
      }
    }
    if (this.armed !== 'armed' && this.resourceMode === 'freeze') return;
    for (const sid of this.resources.keys()) this.schedule(sid, at);
  }

  /** Runs the CRM until nothing is pending any more (tests and the replay use it to skip waiting). */
  settle(opts: { arm?: boolean } = {}): void {
    const arm = opts.arm ?? true;
    for (let i = 0; i < 20; i++) {
      this.advance(Number.MAX_SAFE_INTEGER, arm);
      const busy =
        this.activateAt !== undefined || (arm && this.armPending !== undefined) || [...this.services.values()].some((s) => s.pending);
      if (!busy) return;
    }
  }

  /** Applies the next pending arm/disarm step at once; false when none is pending. */
  stepArm(): boolean {
    if (!this.armPending) return false;
    const p = this.armPending;
    this.armPending = undefined;
    p.apply();
    return true;
  }

  /** What the fencing row shows as `armed-state`. */
  get armedState(): ArmedState | 'standby' {
    return this.active ? this.armed : 'standby';
  }

  private guestOf(sid: string): Guest | undefined {
    const res = this.resources.get(sid);
    return res ? this.state.guests.get(res.vmid) : undefined;
  }

  /** Decides the next step of one service: start, stop, or move it where the rules want it. */
  private schedule(sid: string, at: number): void {
    const res = this.resources.get(sid)!;
    const svc = this.ensureService(sid);
    const g = this.guestOf(sid);
    if (!svc || !g || svc.pending) return;
    svc.node = g.node;
    const due = at === Number.MAX_SAFE_INTEGER ? Date.now() : at;
    if (res.state === 'ignored') {
      svc.crm = svc.verbose = 'ignored';
      return;
    }
    if (res.state === 'stopped' || res.state === 'disabled') {
      if (g.power !== 'stopped') {
        svc.crm = 'request_stop';
        svc.verbose = 'stopping';
        svc.pending = {
          at: due + this.delayMs,
          apply: () => {
            g.power = 'stopped';
            g.procs.clear();
            applyPending(g);
            svc.crm = svc.verbose = res.state;
          },
        };
      } else svc.crm = svc.verbose = res.state;
      return;
    }
    const wanted = this.wantedNode(sid, g.node);
    if (wanted && wanted !== g.node) {
      this.startMigration(sid, svc, g, wanted, due);
      return;
    }
    if (g.power === 'stopped') {
      svc.crm = 'started';
      svc.verbose = 'starting';
      svc.pending = {
        at: due + this.delayMs,
        apply: () => {
          if (g.power === 'stopped') {
            g.power = 'running';
            g.startedAt = nowSec();
          }
          svc.crm = svc.verbose = 'started';
        },
      };
      return;
    }
    svc.crm = svc.verbose = 'started';
  }

  private startMigration(sid: string, svc: Service, g: Guest, target: string, due: number): void {
    svc.crm = svc.verbose = g.power === 'stopped' ? 'relocate' : 'migrate';
    svc.target = target;
    svc.pending = {
      at: due + this.delayMs,
      apply: () => {
        const res = this.resources.get(sid);
        if (!res || this.offline.has(target)) return;
        this.state.moveGuest(g, target);
        svc.node = target;
        svc.target = undefined;
        svc.crm = 'started';
        svc.verbose = g.power === 'stopped' ? 'starting' : 'started';
      },
    };
  }

  /** Where the enabled rules want the resource; undefined when its node is fine. */
  private wantedNode(sid: string, current: string): string | undefined {
    const online = this.onlineNodes();
    let allowed = online;
    for (const rule of this.rules.values()) {
      if (rule.disable || rule.type !== 'node-affinity' || !rule.resources.includes(sid)) continue;
      const prio = parseNodeList(rule.nodes ?? '').filter((n) => online.includes(n.node));
      if (!prio.length) continue;
      const top = Math.max(...prio.map((n) => n.pri));
      const best = prio.filter((n) => n.pri === top).map((n) => n.node);
      const res = this.resources.get(sid);
      if (best.includes(current)) allowed = [current];
      else if (rule.strict || res?.failback !== 0) allowed = best;
      else if (!prio.some((n) => n.node === current)) allowed = best;
    }
    for (const rule of this.rules.values()) {
      if (rule.disable || rule.type !== 'resource-affinity' || !rule.resources.includes(sid)) continue;
      const others = rule.resources.filter((r) => r !== sid && this.resources.has(r));
      const otherNodes = others.map((r) => this.services.get(r)?.target ?? this.guestOf(r)?.node).filter((n): n is string => !!n);
      if (rule.affinity === 'negative') {
        // Every resource that shares its node with another one of the rule moves, each to a node
        // none of the others is on or headed to (the recorded lab moved both of two such guests).
        if (others.some((r) => this.guestOf(r)?.node === current)) {
          const taken = new Set(otherNodes.concat(others.map((r) => this.guestOf(r)?.node).filter((n): n is string => !!n)));
          return allowed.find((n) => !taken.has(n) && n !== current);
        }
      } else if (rule.affinity === 'positive') {
        const lead = rule.resources.find((r) => this.resources.has(r));
        if (lead && lead !== sid) {
          const leadNode = this.services.get(lead)?.target ?? this.guestOf(lead)?.node;
          if (leadNode && leadNode !== current) return leadNode;
        }
      }
    }
    return allowed.includes(current) ? undefined : allowed[0];
  }

  /** Nodes the rule checks count as available: those the CRM master knows as online. */
  availableNodes(): number {
    return [...this.nodeStatus.values()].filter((s) => s === 'online').length;
  }

  /** POST .../migrate and .../relocate: who blocks it, who comes along, then the request. */
  requestMove(sid: string, target: string, kind: 'migrate' | 'relocate'): Record<string, unknown> {
    const out: Record<string, unknown> = { sid, 'requested-node': target };
    const blocking: Array<{ sid: string; cause: string }> = [];
    const comigrated: string[] = [];
    for (const rule of this.rules.values()) {
      if (rule.disable || !rule.resources.includes(sid)) continue;
      if (rule.type === 'node-affinity' && rule.strict && !parseNodeList(rule.nodes ?? '').some((n) => n.node === target)) {
        blocking.push({ sid, cause: 'node-affinity' });
      }
      if (rule.type === 'resource-affinity') {
        for (const other of rule.resources) {
          if (other === sid || !this.resources.has(other)) continue;
          const node = this.services.get(other)?.target ?? this.guestOf(other)?.node;
          if (rule.affinity === 'negative' && node === target) blocking.push({ sid: other, cause: 'resource-affinity' });
          if (rule.affinity === 'positive') comigrated.push(other);
        }
      }
    }
    if (blocking.length) {
      out['blocking-resources'] = blocking;
      return out;
    }
    if (comigrated.length) out['comigrated-resources'] = comigrated;
    this.activate();
    for (const s of [sid, ...comigrated]) {
      const g = this.guestOf(s);
      const svc = this.active ? this.ensureService(s) : undefined;
      if (!g || g.node === target) continue;
      if (svc) {
        svc.pending = undefined;
        this.startMigration(s, svc, g, target, Date.now());
        if (kind === 'relocate') svc.crm = svc.verbose = 'relocate';
      } else this.state.moveGuest(g, target);
    }
    return out;
  }

  addResource(res: HaResource): void {
    this.resources.set(res.sid, res);
    const g = this.state.guests.get(res.vmid);
    if (g) g.hastate = this.hastate(res.sid);
    this.activate();
    if (this.active) this.ensureService(res.sid);
  }

  removeResource(sid: string, purge: boolean): void {
    this.resources.delete(sid);
    this.services.delete(sid);
    const vmid = Number(sid.split(':')[1]);
    const g = this.state.guests.get(vmid);
    if (g) delete g.hastate;
    if (!purge) return;
    for (const [id, rule] of this.rules) {
      if (!rule.resources.includes(sid)) continue;
      rule.resources = rule.resources.filter((r) => r !== sid);
      if (!rule.resources.length) this.rules.delete(id);
    }
  }

  nextRuleOrder(): number {
    return this.ruleOrder++;
  }

  /** The state /cluster/resources shows as `hastate`. */
  hastate(sid: string): string | undefined {
    const res = this.resources.get(sid);
    if (!res) return undefined;
    const svc = this.services.get(sid);
    if (!svc) return res.state === 'enabled' ? 'started' : res.state;
    return svc.crm === 'request_start' ? 'started' : svc.crm;
  }

  /** Keeps `hastate` of the guests in step with the CRM. */
  syncGuests(): void {
    for (const g of this.state.guests.values()) {
      const sid = `${g.type === 'qemu' ? 'vm' : 'ct'}:${g.vmid}`;
      const h = this.hastate(sid);
      if (h) g.hastate = h;
      else delete g.hastate;
    }
  }

  /** The CRM picks the request up (-> disarming), then the LRMs release their watchdogs (-> disarmed). */
  disarm(mode: 'freeze' | 'ignore'): void {
    this.activate();
    if (this.armed === 'disarmed') {
      this.resourceMode = mode;
      return;
    }
    this.armPending = {
      at: Date.now() + this.delayMs,
      apply: () => {
        this.armed = 'disarming';
        this.resourceMode = mode;
        this.armPending = { at: Date.now() + this.delayMs, apply: () => (this.armed = 'disarmed') };
      },
    };
  }

  arm(): void {
    this.activate();
    if (this.armed === 'armed') return;
    this.armPending = {
      at: Date.now() + this.delayMs,
      apply: () => {
        this.armed = 'armed';
        this.resourceMode = undefined;
      },
    };
  }

  /** GET /cluster/ha/status/current. */
  statusRows(quorate: boolean): Array<Record<string, unknown>> {
    const t = nowSec();
    const local = this.localNode;
    const rows: Array<Record<string, unknown>> = [
      { id: 'quorum', node: local, quorate: quorate ? 1 : 0, status: quorate ? 'OK' : `No quorum on node '${local}'!`, type: 'quorum' },
    ];
    if (!this.active) {
      rows.push({ id: 'fencing', node: local, type: 'fencing', 'armed-state': 'standby', status: 'standby (CRM watchdog standby)' });
      return rows;
    }
    const master = this.master!;
    const suffix = this.armed === 'armed' ? '' : ` - ${this.armed}, resource mode: ${this.resourceMode}`;
    rows.push({ id: 'master', node: master, status: `${master} (active, ${ctime(t)})${suffix}`, timestamp: t, type: 'master' });
    const fencing: Record<string, unknown> = { id: 'fencing', node: master, type: 'fencing', 'armed-state': this.armed };
    if (this.armed === 'armed') fencing.status = 'armed (CRM watchdog active)';
    else {
      fencing.status = `${this.armed}, resource mode: ${this.resourceMode} (CRM watchdog ${this.armed === 'disarmed' ? 'released' : 'active'})`;
      fencing.resource_mode = this.resourceMode;
    }
    rows.push(fencing);
    for (const n of this.state.nodes) {
      const hasServices = [...this.services.values()].some((s) => s.node === n.node);
      let mode: string;
      if (this.offline.has(n.node)) mode = 'old timestamp - dead?';
      else if (this.armed !== 'armed') mode = 'disarm mode, watchdog released';
      else mode = hasServices ? 'active, watchdog active' : 'idle, watchdog standby';
      const ts = this.offline.has(n.node) ? this.masterSince : t - (n.id % 3);
      rows.push({ id: `lrm:${n.node}`, node: n.node, status: `${n.node} (${mode}, ${ctime(ts)})`, timestamp: ts, type: 'lrm' });
    }
    for (const [sid, res] of [...this.resources].sort(([a], [b]) => a.localeCompare(b))) {
      const svc = this.services.get(sid);
      const g = this.guestOf(sid);
      const node = svc?.node ?? g?.node ?? local;
      const verbose = svc?.verbose ?? 'queued';
      const row: Record<string, unknown> = {
        id: `service:${sid}`,
        sid,
        node,
        type: 'service',
        crm_state: svc?.crm ?? 'request_start',
        request_state: res.state === 'enabled' ? 'started' : res.state,
        state: verbose,
        status: `${sid} (${node}, ${verbose})`,
        max_restart: res.max_restart ?? 1,
        max_relocate: res.max_relocate ?? 1,
        failback: res.failback ?? 1,
        'auto-rebalance': res['auto-rebalance'] ?? 1,
      };
      if (res.comment !== undefined) row.comment = res.comment;
      rows.push(row);
    }
    return rows;
  }

  /** GET /cluster/ha/status/manager_status. */
  managerStatus(quorate: boolean): Record<string, unknown> {
    const quorum = { quorate: quorate ? '1' : '0', node: this.localNode };
    if (!this.active) return { manager_status: { node_status: {} }, quorum };
    const t = nowSec();
    const serviceStatus: Record<string, unknown> = {};
    for (const [sid, svc] of this.services) {
      const s: Record<string, unknown> = { node: svc.node, state: svc.crm, uid: svc.uid };
      if (svc.target) s.target = svc.target;
      if (this.guestOf(sid)?.power !== 'stopped') s.running = 1;
      serviceStatus[sid] = s;
    }
    const ms: Record<string, unknown> = {
      master_node: this.master,
      node_status: Object.fromEntries(this.nodeStatus),
      service_status: serviceStatus,
      timestamp: t,
    };
    if (this.armed !== 'armed') ms.disarm = { mode: this.resourceMode, state: this.armed };
    const lrm: Record<string, unknown> = {};
    for (const n of this.state.nodes) {
      if (this.offline.has(n.node)) continue;
      const busy = [...this.services.values()].some((s) => s.node === n.node);
      lrm[n.node] = {
        mode: this.armed === 'armed' ? 'active' : 'disarm',
        results: {},
        state: busy && this.armed === 'armed' ? 'active' : 'wait_for_agent_lock',
        timestamp: t,
      };
    }
    return { manager_status: ms, quorum, lrm_status: lrm };
  }
}

/** `node1:2,node2` -> [{node, pri}] (priority 0 when not given). */
export function parseNodeList(list: string): Array<{ node: string; pri: number }> {
  return list
    .split(/[,;\s]+/)
    .filter(Boolean)
    .map((part) => {
      const [node, pri] = part.split(':');
      return { node, pri: pri === undefined ? 0 : Number(pri) };
    });
}
