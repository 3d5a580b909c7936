/**
 * A Proxmox task id. PVE: `UPID:NODE:PID:PSTART:STARTTIME:TYPE:ID:USER:`. PBS and PDM add a task
 * counter: `UPID:NODE:PID:PSTART:TASKID:STARTTIME:TYPE:ID:AUTHID:`. PDM prefixes a managed remote's
 * task with the remote's name: `REMOTE!UPID:...`. Numbers are hex.
 */
export interface Upid {
  /** The whole id as given (with a `remote!` prefix, if any). */
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
  /** Which layout: PVE's (also when absent), or PBS/PDM's with the task counter. */
  form?: 'pve' | 'pbs';
  /** PDM: the remote the task runs on. */
  remote?: string;
}

const UPID_RE =
  /^(?:([A-Za-z0-9_][A-Za-z0-9._-]{0,31})!)?UPID:([a-zA-Z0-9][a-zA-Z0-9.-]*):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):(?:([0-9A-Fa-f]{8,16}):)?([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

export function parseUpid(value: unknown): Upid | undefined {
  if (typeof value !== 'string' || value.length > 1024) return undefined;
  const m = UPID_RE.exec(value);
  if (!m) return undefined;
  const upid: Upid = {
    upid: value,
    node: m[2],
    pid: parseInt(m[3], 16),
    pstart: parseInt(m[4], 16),
    starttime: parseInt(m[6], 16),
    type: m[7],
    id: unescapeWorkerId(m[8]),
    user: m[9],
    form: m[5] === undefined ? 'pve' : 'pbs',
  };
  if (m[1] !== undefined) upid.remote = m[1];
  return upid;
}

/** PBS writes the worker id systemd-escaped (`store1\x3avm-100`); shown to people unescaped. */
function unescapeWorkerId(id: string): string {
  return id.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function isUpid(value: unknown): value is string {
  return parseUpid(value) !== undefined;
}
