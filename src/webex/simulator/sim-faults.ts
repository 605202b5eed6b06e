import type { SimulatorFaults } from './simulator-types';

/** The injected faults of one simulator: what the tests set, and the one-shot faults they consume. */
export interface SimFaults {
  current(): SimulatorFaults;
  /** Merged into the current faults; null (or undefined) clears a fault. */
  set(next: Partial<SimulatorFaults>): void;
  /** Counts the API call against rateLimitPerSecond; true when it is over the limit. */
  isRateLimited(): boolean;
  /** Consumes one stallNextBodies. */
  takeStalledBody(): boolean;
  /** The Retry-After header of an injected 429/503; an empty retryAfter fault sends none. */
  retryAfterHeader(): Record<string, string>;
  /** Consumes one failNext matching the call; its status. */
  takeFailNext(method: string, path: string): number | undefined;
}

export function createSimFaults(initial: SimulatorFaults | undefined): SimFaults {
  let faults: SimulatorFaults = { ...initial };
  const recentApiCalls: number[] = [];

  function set(next: Partial<SimulatorFaults>): void {
    const merged: Record<string, unknown> = { ...faults };
    for (const [key, value] of Object.entries(next)) {
      if (value === null || value === undefined) delete merged[key];
      else merged[key] = value;
    }
    faults = merged;
  }

  return {
    current: () => faults,
    set,
    isRateLimited() {
      const limit = faults.rateLimitPerSecond;
      if (!limit || limit <= 0) return false;
      const now = Date.now();
      while (recentApiCalls.length > 0 && recentApiCalls[0] <= now - 1000) recentApiCalls.shift();
      if (recentApiCalls.length >= limit) return true;
      recentApiCalls.push(now);
      return false;
    },
    takeStalledBody() {
      const n = faults.stallNextBodies;
      if (!n || n <= 0) return false;
      set({ stallNextBodies: n - 1 || undefined });
      return true;
    },
    retryAfterHeader(): Record<string, string> {
      const value = faults.retryAfter ?? '1';
      return value === '' ? {} : { 'retry-after': value };
    },
    takeFailNext(method, path) {
      const f = faults.failNext;
      if (!f || f.count <= 0) return undefined;
      if (f.method && f.method.toUpperCase() !== method) return undefined;
      if (f.path && !path.includes(f.path)) return undefined;
      const count = f.count - 1;
      faults = { ...faults, failNext: count > 0 ? { ...f, count } : undefined };
      if (!faults.failNext) delete faults.failNext;
      return f.status;
    },
  };
}
