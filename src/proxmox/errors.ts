/** Proxmox answered with a non-2xx status. Its own words (reason phrase, message, per-parameter errors) are kept as sent. */
export class ProxmoxHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly body: { message?: string; errors?: Record<string, string>; data?: unknown } | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${status} ${reason}`.trim());
    this.name = 'ProxmoxHttpError';
  }

  get errors(): Record<string, string> | undefined {
    return this.body?.errors ?? undefined;
  }

  /** The text a model should see: status line, then PVE's message and parameter errors when they add anything. */
  describe(): string {
    const lines = [`Proxmox answered ${this.status} ${this.reason}`.trim()];
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
