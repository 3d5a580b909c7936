import { wireValue } from '../proxmox/path.js';
import { isSecretKey } from './redact.js';

/**
 * What a config-style write replaces, and the one call that puts it back. A config-style write is a
 * PUT/POST whose path also has a GET answering the current values as an object (guest, node, storage,
 * firewall and datacenter options, HA resources, users, ...); PVE's own convention for them is a
 * `delete` list of keys to remove and a `digest` of the config they were meant for.
 */

/** Parameters that steer the write rather than set a value. */
const CONTROL = new Set([
  'delete',
  'digest',
  'revert',
  'skiplock',
  'force',
  'background_delay',
  'skip-lock',
  'purge',
  'destroy-unreferenced-disks',
]);

/** A PVE list (`delete`, `vms`): one string, comma, semicolon or space separated, or an array; each item once. */
export function pveList(value: unknown): string[] {
  const parts = Array.isArray(value) ? value.map(String) : value === undefined || value === null ? [] : String(value).split(/[,;\s]+/);
  return [...new Set(parts.map((k) => k.trim()).filter(Boolean))];
}

export interface ConfigChange {
  key: string;
  /** undefined: not set before. */
  old?: string;
  /** undefined: removed. */
  new?: string;
}

export interface ConfigDiff {
  changes: ConfigChange[];
  /** Parameters of the same call that sets the old values back; undefined when nothing changes. */
  undo?: Record<string, unknown>;
  /** Keys whose old value cannot be put back from here (secrets PVE does not show). */
  notRestorable: string[];
}

function asText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return wireValue(v);
}

/**
 * The difference the write makes to `current` (the GET answer before it). `params` as they will be
 * sent; `skip` names parameters that are not config values (path parameters).
 */
export function diffConfig(current: Record<string, unknown>, params: Record<string, unknown>, skip: Iterable<string> = []): ConfigDiff {
  const skipped = new Set(skip);
  const changes: ConfigChange[] = [];
  const undo: Record<string, unknown> = {};
  const undoDelete: string[] = [];
  const notRestorable: string[] = [];
  const has = (k: string) => Object.prototype.hasOwnProperty.call(current, k);

  const restore = (key: string, old: string | undefined) => {
    if (old === undefined) undoDelete.push(key);
    else if (isSecretKey(key)) notRestorable.push(key);
    else undo[key] = old;
  };

  for (const [key, value] of Object.entries(params)) {
    if (CONTROL.has(key) || skipped.has(key) || value === undefined) continue;
    const old = has(key) ? asText(current[key]) : undefined;
    const next = asText(value);
    if (old === next) continue;
    changes.push({ key, old, new: next });
    restore(key, old);
  }
  for (const key of pveList(params.delete)) {
    if (skipped.has(key) || !has(key) || Object.prototype.hasOwnProperty.call(params, key)) continue;
    const old = asText(current[key]);
    changes.push({ key, old });
    restore(key, old);
  }
  if (undoDelete.length) undo.delete = undoDelete.join(',');
  return { changes, undo: changes.length ? undo : undefined, notRestorable };
}

const MAX_SHOWN = 200;

function show(key: string, value: string | undefined): string {
  if (value === undefined) return '(unset)';
  if (isSecretKey(key)) return '***';
  const flat = value.replace(/\s+/g, ' ');
  return flat.length > MAX_SHOWN ? `${flat.slice(0, 140)}…${flat.slice(-50)} (${flat.length} characters)` : flat;
}

/** `key: old → new` lines, removed keys with their values, and the undo call. */
export function describeDiff(diff: ConfigDiff, call: { tool: string; method: string; path: string }): string {
  if (!diff.changes.length) return 'changes: none (every value given is already set)';
  const lines = ['changes (values read just before):'];
  for (const c of diff.changes) {
    lines.push(
      c.new === undefined ? `  ${c.key}: removed (was ${show(c.key, c.old)})` : `  ${c.key}: ${show(c.key, c.old)} → ${show(c.key, c.new)}`,
    );
  }
  if (diff.undo && Object.keys(diff.undo).length) {
    lines.push(`undo: ${call.tool} method=${call.method} path=${call.path} params=${JSON.stringify(diff.undo)}`);
  }
  if (diff.notRestorable.length)
    lines.push(`(${diff.notRestorable.join(', ')}: secret, its old value cannot be shown or restored from here)`);
  return lines.join('\n');
}
