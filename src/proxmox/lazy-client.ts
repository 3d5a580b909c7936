import type { ApiRequest, ApiResponse, ClientOptions, ProxmoxClient } from './client.js';
import { normalizeBaseUrl } from './endpoint.js';

/**
 * The HTTPS client, loaded with the first request: a start that only lists the tools never runs its
 * code, and start-up is held to a one-tool SDK server's (`npm run bench -- --startup`).
 */
export class LazyProxmoxClient implements ProxmoxClient {
  readonly baseUrl: string;
  private client?: Promise<ProxmoxClient>;

  constructor(private readonly opts: ClientOptions) {
    this.baseUrl = normalizeBaseUrl(opts.url);
  }

  private get loaded(): Promise<ProxmoxClient> {
    return (this.client ??= import('./client.js').then(({ HttpProxmoxClient }) => new HttpProxmoxClient(this.opts)));
  }

  async request<T = unknown>(req: ApiRequest): Promise<ApiResponse<T>> {
    return (await this.loaded).request<T>(req);
  }

  async fetchText(path: string, opts?: Parameters<ProxmoxClient['fetchText']>[1]): Promise<string> {
    return (await this.loaded).fetchText(path, opts);
  }

  close(): void {
    void this.client?.then((c) => c.close());
  }
}
