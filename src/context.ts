import type { AppConfig, ClusterConfig } from './config/schema.js';
import type { ProxmoxClient } from './proxmox/client.js';
import type { Catalog } from './schema/catalog.js';
import type { AuditLog } from './safety/audit.js';
import type { ConfirmTokens } from './safety/confirm-token.js';
import type { Policy } from './safety/policy.js';
import type { TokenPermissions } from './safety/token-permissions.js';

// What a call runs against, as an interface: the tools depend on it, the runtime (cluster.ts) provides it,
// and neither imports the other.

/** One cluster as the tools see it: its settings, an API client, its policy and its schema (loaded lazily, once). */
export interface ClusterContext {
  readonly name: string;
  readonly config: ClusterConfig;
  readonly client: ProxmoxClient;
  /** The API catalog; undefined when no schema could be had (calls then go through unvalidated). */
  catalog(): Promise<Catalog | undefined>;
  /** Why there is no catalog, for the note shown to the model. */
  readonly schemaProblem?: string;
  /** PROXMOX_ALLOW / PROXMOX_DENY / PROXMOX_READONLY for this cluster. */
  readonly policy: Policy;
  /** The token's privileges (GET /access/permissions, cached), to refuse what it cannot do before sending. */
  readonly permissions?: TokenPermissions;
}

export interface ToolEnv {
  readonly config: AppConfig;
  /** The named cluster, or the default one; throws a ToolError listing the known names for an unknown one. */
  cluster(name?: string): ClusterContext;
  /** Where writes and exec calls are recorded (PROXMOX_AUDIT_LOG; records nothing when unset). */
  readonly audit: AuditLog;
  /** Signs and checks the tokens that bind a user's yes to one exact destructive call. */
  readonly confirmations?: ConfirmTokens;
}
