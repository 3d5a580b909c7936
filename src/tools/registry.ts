import { apiTool } from './api.js';
import { apiReadTool } from './api-read.js';
import { apiSchemaTool } from './api-schema.js';
import { containerCommandTool } from './execute-container-command.js';
import { vmCommandTool } from './execute-vm-command.js';
import type { ToolSpec } from './types.js';

/** Every tool, in the order clients list them. */
export const allTools: ToolSpec[] = [
  apiSchemaTool,
  apiReadTool,
  apiTool,
  containerCommandTool,
  vmCommandTool,
] as unknown as ToolSpec[];

/**
 * Read-only mode does not offer write tools at all, and without a Proxmox VE target the guest tools are
 * left out too: the model cannot ask for what it cannot see.
 */
export function toolsFor(opts: { readonly: boolean; guests?: boolean }): ToolSpec[] {
  return allTools.filter((t) => !(opts.readonly && t.writes) && !(opts.guests === false && t.needsGuests));
}
