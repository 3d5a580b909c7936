import type { AppConfig } from '../config/schema.js';
import { apiTool } from './api.js';
import { withClusterChoice } from './define.js';
import { apiReadTool } from './api-read.js';
import { apiSchemaTool } from './api-schema.js';
import { containerCommandTool } from './execute-container-command.js';
import { vmCommandTool } from './execute-vm-command.js';
import { guestsProblem, sshProblem, type Requirement } from './requirements.js';
import type { ToolSpec } from './types.js';

/** Every tool, in the order clients list them. */
export const allTools: readonly ToolSpec[] = [apiSchemaTool, apiReadTool, apiTool, containerCommandTool, vmCommandTool];

/**
 * What each tool needs from a cluster beyond the API. A tool is offered when at least one cluster meets
 * it; with several clusters a call to one that does not still gets a specific error from the tool.
 */
const REQUIREMENTS: Record<string, Requirement[]> = {
  [containerCommandTool.name]: [guestsProblem, sshProblem],
  [vmCommandTool.name]: [guestsProblem],
};

export interface ToolOffer {
  tools: ToolSpec[];
  /** Tools left out and why, one line each for the start-up log. */
  withheld: Array<{ name: string; why: string }>;
}

/**
 * The tools this configuration can serve, in the fixed order. A tool that cannot work is not listed, so a
 * model never plans around it and no tokens are spent on it; the start-up log says why it is missing.
 * Read-only mode does not offer write tools at all: the model cannot ask for what it cannot see.
 */
export function offerTools(config: AppConfig): ToolOffer {
  const tools: ToolSpec[] = [];
  const withheld: ToolOffer['withheld'] = [];
  const readonly = config.clusters.every((c) => c.readonly);
  for (const tool of allTools) {
    if (tool.kind !== 'read' && readonly) {
      withheld.push({ name: tool.name, why: 'read-only mode (PROXMOX_READONLY)' });
      continue;
    }
    const needs = REQUIREMENTS[tool.name] ?? [];
    const problems = config.clusters.map((c) => needs.map((need) => need(c)).find((p) => p !== undefined));
    if (problems.length > 0 && problems.every((p) => p !== undefined)) {
      withheld.push({ name: tool.name, why: problems[0]! });
      continue;
    }
    tools.push(config.clusters.length > 1 ? withClusterChoice(tool) : tool);
  }
  return { tools, withheld };
}

/** One line per reason: `proxmox-execute-container-command not offered: SSH is not configured (...)`. */
export function withheldLines(offer: ToolOffer): string[] {
  const byWhy = new Map<string, string[]>();
  for (const w of offer.withheld) byWhy.set(w.why, [...(byWhy.get(w.why) ?? []), w.name]);
  return [...byWhy].map(([why, names]) => `${names.join(', ')} not offered: ${why}`);
}
