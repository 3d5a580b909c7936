import type { AppConfig, ClusterConfig } from './config/schema.js';
import type { ProxmoxClient } from './proxmox/client.js';
import { LazyProxmoxClient } from './proxmox/lazy-client.js';
import { productFacts } from './proxmox/products.js';
import { clip } from './output/budget.js';
import type { Catalog } from './schema/catalog.js';
import { Policy } from './safety/policy.js';
import { ConfigError } from './config/error.js';
import { AuditLog } from './safety/audit.js';
import { redactString } from './safety/redact.js';
import { scrubSecrets, secretForms } from './proxmox/secret-forms.js';
import { ConfirmTokens } from './safety/confirm-token.js';
import { TokenPermissions } from './safety/token-permissions.js';
import { log } from './log.js';
import type { ClusterContext, ToolEnv } from './context.js';
import { ToolError } from './errors.js';
import { within } from './within.js';

const SCHEMA_RETRY_MS = 60_000;

/** One configured cluster: its client, policy and lazily loaded schema. */
export class Cluster implements ClusterContext {
  readonly client: ProxmoxClient;
  readonly policy: Policy;
  private problem?: string;
  readonly permissions: TokenPermissions;
  private loading?: Promise<Catalog | undefined>;
  private settled = false;
  private failedAt?: number;

  constructor(
    readonly config: ClusterConfig,
    private readonly cacheDir: string,
    client?: ProxmoxClient,
  ) {
    this.client =
      client ??
      new LazyProxmoxClient({
        url: config.url,
        product: config.product,
        credentials: config.credentials,
        tls: config.tls,
        timeoutMs: config.timeoutMs,
        maxResponseBytes: config.maxResponseBytes,
      });
    this.policy = new Policy({ allow: config.allow, deny: config.deny, readonly: config.readonly });
    this.permissions = new TokenPermissions(this.client);
  }

  get name(): string {
    return this.config.name;
  }

  /** Why there is no catalog: the load failed, or it is still under way. */
  get schemaProblem(): string | undefined {
    if (this.loading && !this.settled)
      return `the API schema is still loading from the cluster (a call waits for it at most ${this.schemaWaitMs} ms, half of PROXMOX_TIMEOUT)`;
    return this.problem;
  }

  /**
   * How long a call waits for a schema that is still being downloaded before it goes ahead without one.
   * Half of PROXMOX_TIMEOUT, so that waiting plus the call itself stays within what a client waits for.
   */
  get schemaWaitMs(): number {
    return Math.ceil(this.config.timeoutMs / 2);
  }

  /**
   * Loaded on first use, once; a call waits for it at most `schemaWaitMs` (a schema file, read from
   * disk, is always waited for). A failure is remembered for a minute, so calls do not each wait on a
   * dead download, yet a cluster that comes back gets its schema without a restart.
   */
  catalog(): Promise<Catalog | undefined> {
    const loading = this.loaded();
    if (this.settled || this.config.schemaFile) return loading;
    return within(loading, this.schemaWaitMs);
  }

  /** The whole load, however long it takes (the background warm-up waits for this). */
  loaded(): Promise<Catalog | undefined> {
    if (this.failedAt !== undefined && Date.now() - this.failedAt > SCHEMA_RETRY_MS) {
      this.loading = undefined;
      this.failedAt = undefined;
    }
    if (!this.loading) {
      this.settled = false;
      this.loading = this.load().finally(() => {
        this.settled = true;
      });
    }
    return this.loading;
  }

  private async load(): Promise<Catalog | undefined> {
    const started = performance.now();
    try {
      // The loader (and the catalog code under it) is only needed once a call arrives.
      const { loadSchema } = await import('./schema/loader.js');
      const loaded = await loadSchema({
        schemaFile: this.config.schemaFile,
        client: this.client,
        cacheDir: this.cacheDir,
        product: this.config.product,
      });
      const release = loaded.version
        ? `${productFacts(this.config.product).short} ${loaded.version}`
        : `${productFacts(this.config.product).short}, version not stated`;
      log.info(
        `schema for cluster '${this.name}': ${release}, from ${loaded.source}, ${loaded.catalog.operations.length} operations (${Math.round(performance.now() - started)} ms)`,
      );
      this.problem = undefined;
      return loaded.catalog;
    } catch (err) {
      this.problem = (err as Error).message;
      this.failedAt = Date.now();
      log.warn(`no API schema for cluster '${this.name}': ${this.problem}`);
      return undefined;
    }
  }
}

/** Everything the tools need: the configuration, the clusters by name, the audit log. */
export class Runtime implements ToolEnv {
  private readonly clusters = new Map<string, Cluster>();
  readonly audit: AuditLog;
  /** Replaceable so tests can give it a clock. */
  confirmations: ConfirmTokens;

  constructor(
    readonly config: AppConfig,
    clients: Record<string, ProxmoxClient> = {},
  ) {
    for (const c of config.clusters) this.clusters.set(c.name, new Cluster(c, config.cacheDir, clients[c.name]));
    // Log lines never carry a configured secret, in any encoding, nor a secret-looking `key=value`.
    const forms = config.clusters.flatMap((c) => [
      ...(c.credentials?.kind === 'token' ? secretForms(c.credentials.secret) : []),
      ...(c.credentials?.kind === 'password' ? secretForms(c.credentials.password) : []),
      ...(c.ssh.keyPassphrase ? secretForms(c.ssh.keyPassphrase) : []),
    ]);
    log.setFilter((text) => redactString(scrubSecrets(text, forms)));
    this.audit = new AuditLog(config.auditLog, config.auditKey);
    try {
      this.audit.assertWritable();
    } catch (err) {
      // Fail closed at start-up: one line naming the setting, rather than running writes unrecorded.
      throw new ConfigError(`${(err as Error).message}; fix the path or its permissions, or unset PROXMOX_AUDIT_LOG`);
    }
    this.confirmations = new ConfirmTokens({ key: config.confirmKey });
  }

  cluster(name?: string): Cluster {
    const key = name?.trim() || this.config.defaultCluster;
    const found = this.clusters.get(key);
    if (!found) {
      const known = [...this.clusters.values()].map((c) => `${c.name} (${productFacts(c.config.product).short})`);
      throw new ToolError(`unknown cluster '${clip(key)}'; known: ${known.join(', ')}`);
    }
    return found;
  }

  get clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  /** True when every cluster is read-only, so write tools are not offered at all. */
  get readonly(): boolean {
    return this.config.clusters.every((c) => c.readonly);
  }

  /**
   * Loads the default cluster's schema and search index before the first call needs them. Run once the
   * client has had time to list the tools, so start-up itself never waits on it.
   */
  async warmUp(): Promise<void> {
    // The token's privileges too, so the first discovery answer can mark what it lacks without waiting.
    void this.cluster()
      .permissions.current()
      .catch(() => undefined);
    const catalog = await this.cluster().loaded();
    if (!catalog) return;
    const { searchFor } = await import('./schema/search-cache.js');
    searchFor(catalog, this.config.cacheDir).search('virtual machine', 1);
  }

  close(): void {
    for (const c of this.clusters.values()) c.client.close();
  }
}
