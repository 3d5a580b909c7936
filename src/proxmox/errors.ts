/** Proxmox answered with a non-2xx status. Its own words (reason phrase, message, per-parameter errors) are kept as sent. */
export class ProxmoxHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly body: { message?: string; errors?: Record<string, string>; data?: unknown } | undefined,
    readonly method: string,
    readonly path: string,
    /**
     * What the status most likely means for this client's configuration (e.g. which API token was
     * refused and which variable to check). Names credentials by id only, never by secret.
     */
    readonly hint?: string,
  ) {
    super(`${status} ${reason}`.trim() + (hint ? `: ${hint}` : ''));
    this.name = 'ProxmoxHttpError';
  }

  get errors(): Record<string, string> | undefined {
    return this.body?.errors ?? undefined;
  }

  /** The text a model should see: status line (with the hint), then PVE's message and parameter errors when they add anything. */
  describe(): string {
    const lines = [`Proxmox answered ${this.status} ${this.reason}`.trim() + (this.hint ? `: ${this.hint}` : '')];
    const message = this.body?.message?.trim();
    if (message && message !== this.reason.trim()) lines.push(message);
    for (const [param, why] of Object.entries(this.errors ?? {})) lines.push(`  ${param}: ${String(why).trim()}`);
    return lines.join('\n');
  }
}

/** The request never got an HTTP answer: connection refused, TLS failure, timeout, abort. */
export class ProxmoxNetworkError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ProxmoxNetworkError';
  }
}
