import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who a request to a cluster is made for (an HTTP client's address; one local caller over stdio), so the
 * per-cluster queue can take turns between callers instead of serving one caller's batch first.
 */
const scope = new AsyncLocalStorage<string>();

export function runAsCaller<T>(caller: string, fn: () => T): T {
  return scope.run(caller, fn);
}

export function currentCaller(): string {
  return scope.getStore() ?? 'local';
}
