import type * as z from 'zod';
import type { AppConfig, ClusterConfig } from '../config.js';
import type { ProxmoxClient } from '../proxmox/client.js';
import type { Catalog } from '../schema/catalog.js';
import type { Policy } from '../safety/policy.js';
import type { AuditLog } from '../safety/audit.js';
import type { ConfirmTokens } from '../safety/confirm-token.js';
import type { DigestMemory } from '../safety/digests.js';
import type { TokenPermissions } from '../safety/permissions.js';

/** One cluster as the tools see it: its settings, an API client, and its schema (loaded lazily, once). */
export interface ClusterContext {
  readonly name: string;
  readonly config: ClusterConfig;
  readonly client: ProxmoxClient;
  /** The API catalog; undefined when no schema could be had (calls then go through unvalidated). */
  catalog(): Promise<Catalog | undefined>;
  /** Why there is no catalog, for the note shown to the model. */
  readonly schemaProblem?: string;
  /** PROXMOX_ALLOW / PROXMOX_DENY / PROXMOX_READONLY for this cluster (always set by the runtime). */
  readonly policy?: Policy;
  /** The token's privileges (GET /access/permissions, cached), to refuse what it cannot do before sending. */
  readonly permissions?: TokenPermissions;
}

export interface ToolEnv {
  readonly config: AppConfig;
  /** The named cluster, or the default one; throws a ToolError listing the known names for an unknown one. */
  cluster(name?: string): ClusterContext;
  /** Where writes and exec calls are recorded (PROXMOX_AUDIT_LOG). */
  readonly audit?: AuditLog;
  /** Signs and checks the tokens that bind a user's yes to one exact destructive call. */
  readonly confirmations?: ConfirmTokens;
}

/** Per-call facilities from the MCP request. */
export interface ToolCall {
  readonly signal: AbortSignal;
  /** Sends a progress notification when the client asked for them; a no-op otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** Asks the human (MCP elicitation) when the client supports it; undefined when it cannot ask. */
  elicitConfirm?(message: string): Promise<boolean>;
  /**
   * Digests of the configs this session read, so an edit carries the one it was based on; undefined
   * without a session (stateless HTTP), where the model passes the digest back itself.
   */
  readonly digests?: DigestMemory;
}

export interface ToolOutput {
  text: string;
  isError?: boolean;
  structured?: Record<string, unknown>;
}

export interface ToolSpec<S extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: S;
  output?: z.ZodObject;
  annotations: { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint?: boolean; openWorldHint: boolean };
  /** Changes things (hidden in read-only mode). */
  writes: boolean;
  /** Accepted but not advertised in tools/list, to keep every turn's tool list small. */
  quietParams?: readonly string[];
  run(args: z.infer<S>, env: ToolEnv, call: ToolCall): Promise<ToolOutput>;
}

/** An expected failure whose message is for the model as it stands (bad input, refused call, ...). */
export class ToolError extends Error {
  constructor(
    message: string,
    /** Sent as the error result's structuredContent (e.g. a confirmation preview's token). */
    readonly structured?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}
