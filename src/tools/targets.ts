import { productFacts } from '../proxmox/products.js';
import type { ClusterContext } from '../context.js';
import { ToolError } from '../errors.js';

/**
 * The exec tools run commands in VMs and containers, which only Proxmox VE has: a Backup Server or
 * Datacenter Manager target is refused with the reason, before anything is sent.
 */
export function requireGuests(cluster: ClusterContext, tool: string): void {
  const facts = productFacts(cluster.config.product);
  if (facts.guests) return;
  throw new ToolError(
    `${tool} runs commands in Proxmox VE guests; cluster '${cluster.name}' is a ${facts.name} (product ${facts.id}), which has no VMs or containers. ` +
      `Use proxmox-api / proxmox-api-read for it, or name a Proxmox VE cluster.`,
  );
}
