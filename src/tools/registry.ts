import { apiTool } from './api.js';
import { apiReadTool } from './api-read.js';
import { apiSchemaTool } from './api-schema.js';
import { containerCommandTool } from './execute-container-command.js';
import { vmCommandTool } from './execute-vm-command.js';
import type { ToolSpec } from './types.js';

/** Every tool, in the order clients list them. */
export const allTools: readonly ToolSpec[] = [apiSchemaTool, apiReadTool, apiTool, containerCommandTool, vmCommandTool];

/** Read-only mode does not offer write tools at all: the model cannot ask for what it cannot see. */
export function toolsFor(opts: { readonly: boolean }): readonly ToolSpec[] {
  return opts.readonly ? allTools.filter((t) => t.kind === 'read') : allTools;
}
