import type { Operation, ParamSpec } from './catalog.js';

/** Rough token count (o200k averages a little under 4 characters per token on this kind of text). */
export const approxTokens = (text: string) => Math.ceil(text.length / 3.6);

const DETAIL_BUDGET_TOKENS = 1500;
const SUMMARY_WIDTH = 60;

/** Parameters most calls need: listed before the rest when an operation is too big to show whole. */
const COMMON = new Set(
  'name memory cores sockets cpu ostype scsi[n] virtio[n] sata[n] ide[n] net[n] boot bootdisk scsihw storage start onboot description tags agent bios machine efidisk0 hostname password rootfs ostemplate mp[n] unprivileged features nameserver searchdomain ssh-public-keys swap content type path server export pool digest delete force purge target online timeout comment enable'.split(
    ' ',
  ),
);

/** Says why an operation cannot be called here (policy, read-only mode), for marking it in answers. */
export type RefusalOf = (op: Operation) => string | undefined;

export function renderList(ops: Operation[], opts: { total?: number; note?: string; refusal?: RefusalOf } = {}): string {
  const width = Math.max(0, ...ops.map((op) => op.method.length + 1 + op.path.length));
  const lines = ops.map((op) => {
    const refused = opts.refusal?.(op);
    return `${`${op.method} ${op.path}`.padEnd(width)}  ${refused ? '[refused] ' : ''}${trim(op.summary, SUMMARY_WIDTH)}`;
  });
  const total = opts.total ?? ops.length;
  if (total > ops.length) lines.push(`... ${total - ops.length} more`);
  if (opts.note) lines.push(opts.note);
  return lines.join('\n');
}

export function renderDetail(op: Operation, opts: { full?: boolean; params?: string[]; refusal?: RefusalOf } = {}): string {
  const wanted = (opts.params ?? []).map((p) => p.trim()).filter(Boolean);
  const full = opts.full || wanted.includes('*');
  const out: string[] = [`${op.method} ${op.path}`];
  const refused = opts.refusal?.(op);
  if (refused) out.push(`REFUSED here: ${refused}`);
  if (op.summary) out.push(full ? op.description : op.summary);
  const stream = streamingNote(op);
  if (stream) out.push(stream);
  if (op.unstable) out.push('Marked unstable: its parameters may change between releases.');
  const perm = permissionText(op.permissions);
  if (perm) out.push(`Permissions: ${full ? perm : trim(perm, 160)}`);
  const returns = returnsText(op);
  if (returns) out.push(returns);
  if (op.pathParams.length) out.push(`Path parameters: ${op.pathParams.join(', ')}`);

  if (wanted.length && !full) {
    const shown = op.params.filter((p) => wanted.some((w) => sameParam(p, w)));
    const unknown = wanted.filter((w) => !op.params.some((p) => sameParam(p, w)));
    out.push('', ...shown.flatMap((p) => paramFull(p)));
    if (unknown.length) out.push(`No such parameter: ${unknown.join(', ')}. Parameters: ${op.params.map((p) => p.name).join(', ')}`);
    return out.join('\n');
  }

  if (op.params.length === 0) {
    out.push('No parameters.');
    return out.join('\n');
  }
  const required = op.params.filter((p) => !p.optional);
  const optional = op.params.filter((p) => p.optional);
  if (full) {
    if (required.length) out.push('', 'Required:', ...required.flatMap((p) => paramFull(p)));
    if (optional.length) out.push('', 'Optional:', ...optional.flatMap((p) => paramFull(p)));
    return out.join('\n');
  }

  const big = op.params.length > 30;
  const descWidth = big ? 50 : 90;
  if (required.length) out.push('Required:', ...required.map((p) => paramLine(p, descWidth)));
  const ordered = big ? [...optional.filter((p) => COMMON.has(p.name)), ...optional.filter((p) => !COMMON.has(p.name))] : optional;
  let used = approxTokens(out.join('\n'));
  const rest: ParamSpec[] = [];
  const lines: string[] = [];
  for (const p of ordered) {
    const line = paramLine(p, descWidth);
    const cost = approxTokens(line) + 1;
    if (rest.length || used + cost > DETAIL_BUDGET_TOKENS) rest.push(p);
    else {
      lines.push(line);
      used += cost;
    }
  }
  if (lines.length) out.push('Optional:', ...lines);
  if (rest.length) out.push(`Also (optional): ${rest.map((p) => p.name).join(', ')}`);
  const families = op.params.filter((p) => typeof p.format === 'object' || p.indexed).map((p) => p.name);
  const example = (families.length ? families : rest.map((p) => p.name)).slice(0, 2).map((n) => `"${n}"`);
  if (example.length) {
    out.push(
      `Full text of some parameters: proxmox-api-schema path=${op.path} method=${op.method} params=[${example.join(',')}] (or ["*"] for all)`,
    );
  }
  return out.join('\n');
}

/** PBS/PDM streaming operations: said up front, since their answer (or input) is a file, not JSON. */
export function streamingNote(op: Operation): string | undefined {
  if (op.streaming === 'upload')
    return "UPLOAD: takes a file in the request body, which these tools cannot send (use the product's client or web UI).";
  if (op.streaming === 'download') return 'DOWNLOAD: may answer with a file instead of JSON; a file is reported by size, not shown.';
  return undefined;
}

function sameParam(p: ParamSpec, wanted: string): boolean {
  if (p.name === wanted) return true;
  if (!p.indexed) return false;
  const base = p.name.slice(0, -3);
  return wanted === base || new RegExp(`^${escapeRe(base)}\\d+$`).test(wanted);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `name type [a|b] [default x] [min..max] — description`, one line. */
function paramLine(p: ParamSpec, descWidth: number): string {
  const parts = [`  ${p.name}`, typeLabel(p)];
  if (p.enum) parts.push(trim(p.enum.join('|'), 60));
  if (p.default !== undefined && p.default !== '') parts.push(`default ${formatDefault(p.default)}`);
  const range = rangeText(p);
  if (range) parts.push(range);
  const desc = p.description ? trim(firstSentence(p.description), descWidth) : '';
  return desc ? `${parts.join(' ')} — ${desc}` : parts.join(' ');
}

/** A property-string key's description, asked for by name or in full: long enough for its values' meanings. */
const SUB_KEY_CHARS = 400;

function paramFull(p: ParamSpec): string[] {
  const lines = [paramLine(p, 10_000).replace(/ — .*$/, '')];
  // A property string whose keys the schema names only by format (`pve-vm-cpu-conf`) still shows its shape.
  const shaped = p.typetext && (typeof p.format === 'object' || p.type === 'array' || /=</.test(p.typetext));
  // Unless the first line already shows it (a short property string's shape is its type).
  if (shaped && !lines[0].includes(` prop-string ${p.typetext}`)) lines.push(`    format: ${p.typetext}`);
  if (p.indexed && p.maxIndex !== undefined) lines.push(`    sent as ${p.name.slice(0, -3)}0 .. ${p.name.slice(0, -3)}${p.maxIndex}`);
  else if (p.indexed) lines.push(`    sent as ${p.name.slice(0, -3)}0, ${p.name.slice(0, -3)}1, ...`);
  if (p.description) lines.push(`    ${oneLine(p.description)}`);
  if (p.requires) lines.push(`    requires: ${p.requires}`);
  if (typeof p.format === 'object') {
    for (const sub of Object.values(p.format)) {
      if (sub.raw.alias) continue;
      lines.push(`    ${paramLine({ ...sub, name: sub.name }, SUB_KEY_CHARS).trim()}`.replace(/^ {4}/, '    - '));
    }
  }
  if (p.items) lines.push(`    items: ${typeLabel(p.items)}${p.items.enum ? ` ${p.items.enum.join('|')}` : ''}`);
  return lines;
}

function typeLabel(p: ParamSpec): string {
  if (typeof p.format === 'object') return p.typetext && p.typetext.length <= 60 ? `prop-string ${p.typetext}` : 'prop-string';
  if (p.type === 'array') return `${p.items?.type ?? 'string'}[]`;
  if (p.type === 'string' && typeof p.format === 'string' && !p.enum) return `string(${p.format})`;
  return p.type;
}

function rangeText(p: ParamSpec): string | undefined {
  if (p.minimum !== undefined || p.maximum !== undefined) return `${p.minimum ?? ''}..${p.maximum ?? ''}`;
  if (p.maxLength !== undefined) return `len ${p.minLength ?? 0}..${p.maxLength}`;
  return undefined;
}

function formatDefault(v: unknown): string {
  return trim(typeof v === 'string' ? v : JSON.stringify(v), 30);
}

/** PVE's `check` arrays (`['perm', '/vms/{vmid}', ['VM.Audit']]`) in words; a description wins when given. */
export function permissionText(perm: unknown): string | undefined {
  if (!perm || typeof perm !== 'object') return undefined;
  const p = perm as { description?: string; user?: string; check?: unknown };
  if (p.description) return oneLine(p.description);
  if (p.check) return checkText(p.check);
  if (p.user === 'all') return 'any authenticated user';
  if (p.user === 'world') return 'anyone';
  return p.user ? `user: ${p.user}` : undefined;
}

function checkText(check: unknown): string {
  if (!Array.isArray(check)) return JSON.stringify(check);
  const [kind, ...args] = check as unknown[];
  if (kind === 'perm') {
    const [path, privs, mode] = args as [string, string[], string?];
    return `${(privs ?? []).join(mode === 'any' ? ' or ' : ' and ')} on ${path}`;
  }
  if (kind === 'or' || kind === 'and') return args.map(checkText).join(` ${kind} `);
  if (kind === 'userid-param') return `own user (${String(args[0] ?? 'self')})`;
  if (kind === 'userid-group') return `user/group management (${JSON.stringify(args[0] ?? [])})`;
  return JSON.stringify(check);
}

function returnsText(op: Operation): string | undefined {
  const r = op.returns as { type?: string; description?: string; format?: string } | undefined;
  if (!r || !r.type || r.type === 'null') return op.method === 'GET' ? undefined : 'Returns: null';
  const desc = (r.description ?? '').toLowerCase();
  if (
    r.type === 'string' &&
    op.method !== 'GET' &&
    (desc.includes('task') || desc.includes('upid') || desc === '' || r.format === 'pve-upid')
  ) {
    return 'Returns: task UPID (proxmox-api waits up to wait=30 s for it to end)';
  }
  return `Returns: ${r.type}${r.description ? ` (${trim(oneLine(r.description), 60)})` : ''}`;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function firstSentence(s: string): string {
  const line = oneLine(s);
  return /^(.+?[.!?])(\s|$)/.exec(line)?.[1] ?? line;
}

export function trim(s: string, width: number): string {
  const line = oneLine(s);
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}
