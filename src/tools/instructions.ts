import type { ToolSpec } from './types.js';

/**
 * The server's MCP `instructions`: the workflow across the tools, which no single tool description can
 * say. Sent once per session (clients put it in the system prompt), so it stays under 150 tokens, and it
 * names only tools that are offered.
 */
export function instructionsFor(tools: readonly ToolSpec[]): string {
  const offered = new Set(tools.map((t) => t.name));
  const lines = [
    'Proxmox VE, its whole API. Unless you know the operation, find it with proxmox-api-schema (plain words), then path+method for its parameters.',
    "Read with proxmox-api-read: safe, never asks. A guest's node is in /cluster/resources.",
  ];
  if (offered.has('proxmox-api')) {
    lines.push(
      'Change with proxmox-api; tasks are followed to their end.',
      'Risky changes and guest commands return a preview and a confirm value instead of running: show the preview, and repeat the same call with confirm only after the user agrees.',
    );
  } else {
    lines.push('This server is read-only.');
  }
  lines.push('Errors say what to fix: read them before retrying.');
  return lines.join(' ');
}
