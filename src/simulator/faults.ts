export interface ErrorRule {
  method?: string;
  path: string | RegExp;
  status: number;
  reason: string;
  times?: number;
}

/** Failure injection for tests and demos. */
export interface Faults {
  /** Added to every API answer. */
  latencyMs: number;
  /** Requests proxied to such a node answer 595; cluster-wide reads show it offline. */
  offlineNodes: Set<string>;
  /** Task type (e.g. 'qmstart', 'vzdump') -> exitstatus error text. */
  failTasks: Map<string, string>;
  /** Forced error answers for matching requests (path below /api2/json, decoded). */
  errorOn(rule: ErrorRule): void;
  reset(): void;
}

export class FaultState implements Faults {
  latencyMs = 0;
  readonly offlineNodes = new Set<string>();
  readonly failTasks = new Map<string, string>();
  private rules: ErrorRule[] = [];

  errorOn(rule: ErrorRule): void {
    this.rules.push({ ...rule });
  }

  reset(): void {
    this.latencyMs = 0;
    this.offlineNodes.clear();
    this.failTasks.clear();
    this.rules = [];
  }

  /** The first rule matching this request, used up by one when it has a count. */
  take(method: string, path: string): ErrorRule | undefined {
    const i = this.rules.findIndex(
      (r) => (!r.method || r.method.toUpperCase() === method) && (typeof r.path === 'string' ? r.path === path : r.path.test(path)),
    );
    if (i < 0) return undefined;
    const rule = this.rules[i];
    if (rule.times !== undefined && --rule.times <= 0) this.rules.splice(i, 1);
    return rule;
  }
}
