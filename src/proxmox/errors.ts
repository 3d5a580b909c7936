/** A node (or something posing as one) can send megabytes of error text; the model needs the gist. */
const MAX_MESSAGE_CHARS = 2000;
const MAX_PARAM_ERRORS = 30;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

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
    const message = typeof this.body?.message === 'string' ? this.body.message.trim() : undefined;
    if (message && message !== this.reason.trim()) lines.push(cut(message, MAX_MESSAGE_CHARS));
    const errors = Object.entries(this.errors && typeof this.errors === 'object' ? this.errors : {});
    for (const [param, why] of errors.slice(0, MAX_PARAM_ERRORS)) lines.push(`  ${cut(param, 80)}: ${cut(String(why).trim(), 300)}`);
    if (errors.length > MAX_PARAM_ERRORS) lines.push(`  ... and ${errors.length - MAX_PARAM_ERRORS} more parameter errors`);
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
