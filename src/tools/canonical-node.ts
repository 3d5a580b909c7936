import type { ProxmoxClient } from '../proxmox/client.js';
import { canonicalNode, NodeNameError } from '../proxmox/node-names.js';
import { ToolError } from './types.js';

/** The cluster's spelling of a node name the model gave (`localhost`, `PVE1`), used for policy, SSH and audit alike. */
export async function nodeForCall(client: ProxmoxClient, name: string, signal?: AbortSignal): Promise<string> {
  try {
    return await canonicalNode(client, name, signal);
  } catch (err) {
    if (err instanceof NodeNameError) throw new ToolError(err.message);
    throw err;
  }
}
