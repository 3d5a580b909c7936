/** A Proxmox task id: `UPID:NODE:PID:PSTART:STARTTIME:TYPE:ID:USER:` (PID, PSTART and STARTTIME in hex). */
export interface Upid {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

const UPID_RE = /^UPID:([a-zA-Z0-9][a-zA-Z0-9.-]*):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

export function parseUpid(value: unknown): Upid | undefined {
  if (typeof value !== 'string') return undefined;
  const m = UPID_RE.exec(value);
  if (!m) return undefined;
  return {
    upid: value,
    node: m[1],
    pid: parseInt(m[2], 16),
    pstart: parseInt(m[3], 16),
    starttime: parseInt(m[4], 16),
    type: m[5],
    id: m[6],
    user: m[7],
  };
}

export function isUpid(value: unknown): value is string {
  return parseUpid(value) !== undefined;
}
