import { clip } from '../output/budget.js';
import { ToolError } from '../errors.js';

/** PVE node names follow DNS-label rules; anything else is refused before it can reach a host lookup or an API path. */
const NODE_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;

/** Whether `node` is a name PVE allows for a node: safe to put into a path or a host lookup. */
export function isNodeName(node: unknown): node is string {
  return typeof node === 'string' && node.length > 0 && node.length <= 63 && NODE_NAME.test(node);
}

export function validateNodeName(node: unknown): string {
  if (!isNodeName(node)) {
    throw new ToolError(
      `invalid node name ${clip(JSON.stringify(node) ?? String(node))}: a Proxmox node name has 1-63 letters, digits and inner hyphens (e.g. pve1)`,
    );
  }
  return node;
}

/** PVE's `pve-vmid` range. Strings of digits are accepted because the predecessor took `vmid` as string|number. */
export function validateVmid(vmid: unknown): number {
  const n = typeof vmid === 'string' && /^\s*\d{1,10}\s*$/.test(vmid) ? Number(vmid) : vmid;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 100 || n > 999_999_999) {
    throw new ToolError(`invalid vmid ${clip(JSON.stringify(vmid) ?? String(vmid))}: a guest id is a whole number from 100 to 999999999`);
  }
  return n;
}

/**
 * No program argument can carry a NUL byte (execve ends the string there), so a command holding one
 * would run cut short without anyone noticing: refuse it instead.
 */
export function rejectNul(text: string | undefined, what: string): void {
  if (text?.includes('\0')) throw new ToolError(`${what} contains a NUL byte, which no command line can carry; remove it`);
}
