/**
 * Brute-force brake per key (the flow-through route uses source address + template): after `limit` failed authentications within a minute each
 * further request from that source waits base·2^(n−limit) ms; at `limit`·2 failures the
 * source is refused (429) until its oldest failure leaves the window.
 *
 * Attempts still being checked count as failures-to-be for the hard limit: every request
 * reserves a slot until its authentication is decided, and no more slots than the hard limit
 * leaves are handed out, so 40 parallel guesses cannot all pass the gate before the first one has failed. A request
 * that finds no free slot waits for one (a busy AS keeps its concurrency, it only queues
 * behind attempts being checked) and is refused once the failures alone reach the hard limit.
 */
export interface AttemptSlot {
  delayMs: number;
  /** Authentication succeeded, or the request carried no guess: the slot is freed. */
  release(): void;
  /** A wrong guess: the slot becomes a recorded failure. */
  fail(): void;
}

export type ThrottleGate = { slot: AttemptSlot } | { blockedForSeconds: number };

export interface AuthThrottle {
  /** Reserves a slot for the next request from this source, or says how long it is refused. */
  check(source: string): Promise<ThrottleGate>;
  recordFailure(source: string): void;
  failures(source: string): number;
  reset(): void;
  /** Told of every failure decided here (not of recordFailure): several instances share them through the database. */
  onFailure?(listener: (source: string) => void): void;
}

const WINDOW_MS = 60_000;
const MAX_SOURCES = 10_000;
const MAX_DELAY_MS = 30_000;
/** Requests queued behind in-flight attempts of one source; more are refused at once. */
const MAX_WAITING_PER_SOURCE = 1_000;

interface SourceState {
  failures: number[];
  inFlight: number;
  waiting: Array<() => void>;
}

/** The state of one source, its failures older than the window dropped (created on first sight). */
function stateIn(bySource: Map<string, SourceState>, source: string, nowMs: number): SourceState {
  let state = bySource.get(source);
  if (!state) {
    // Bounded memory under a spray of sources: forget the oldest idle entry.
    if (bySource.size >= MAX_SOURCES) {
      for (const [key, s] of bySource) {
        if (s.inFlight === 0 && s.waiting.length === 0) {
          bySource.delete(key);
          break;
        }
      }
    }
    state = { failures: [], inFlight: 0, waiting: [] };
    bySource.set(source, state);
  }
  const cutoff = nowMs - WINDOW_MS;
  while (state.failures.length && state.failures[0] <= cutoff) state.failures.shift();
  return state;
}

export function createAuthThrottle(options: { limit: number; baseDelayMs: number; now?: () => number }): AuthThrottle {
  const now = options.now ?? Date.now;
  const bySource = new Map<string, SourceState>();
  const hardLimit = options.limit * 2;
  const failureListeners: Array<(source: string) => void> = [];

  const stateOf = (source: string): SourceState => stateIn(bySource, source, now());

  const forgetIfIdle = (source: string, state: SourceState) => {
    if (!state.failures.length && state.inFlight === 0 && state.waiting.length === 0 && bySource.get(source) === state) bySource.delete(source);
  };

  const blockedFor = (state: SourceState) => Math.max(1, Math.ceil((state.failures[state.failures.length - hardLimit] + WINDOW_MS - now()) / 1000));

  const wakeOne = (state: SourceState) => state.waiting.shift()?.();

  const pushFailure = (state: SourceState) => {
    state.failures.push(now());
    if (state.failures.length > hardLimit) state.failures.shift();
  };

  const reserve = (source: string, state: SourceState): AttemptSlot => {
    // The delay follows recorded failures only: attempts in flight are bounded by the slots, and
    // counting them would slow every busy AS that has never failed once.
    const failed = state.failures.length;
    state.inFlight++;
    let settled = false;
    const settle = (failed: boolean) => {
      if (settled) return;
      settled = true;
      const current = stateOf(source);
      current.inFlight = Math.max(0, current.inFlight - 1);
      if (failed) pushFailure(current);
      if (failed) for (const listener of failureListeners) listener(source);
      wakeOne(current);
      forgetIfIdle(source, current);
    };
    return {
      delayMs: failed < options.limit ? 0 : Math.min(MAX_DELAY_MS, options.baseDelayMs * 2 ** (failed - options.limit)),
      release: () => settle(false),
      fail: () => settle(true),
    };
  };

  const check = async (source: string): Promise<ThrottleGate> => {
    for (;;) {
      const state = stateOf(source);
      if (state.failures.length >= hardLimit) {
        // The others queued behind us learn the same at once.
        wakeOne(state);
        return { blockedForSeconds: blockedFor(state) };
      }
      if (state.failures.length + state.inFlight < hardLimit) {
        const slot = reserve(source, state);
        // Several slots may have come free at once: let the next waiter look too.
        if (state.failures.length + state.inFlight < hardLimit) wakeOne(state);
        return { slot };
      }
      if (state.waiting.length >= MAX_WAITING_PER_SOURCE) return { blockedForSeconds: 1 };
      await new Promise<void>((resolve) => state.waiting.push(resolve));
    }
  };

  return {
    check,
    onFailure: (listener) => void failureListeners.push(listener),
    recordFailure(source) {
      const state = stateOf(source);
      pushFailure(state);
      wakeOne(state);
    },
    failures: (source) => {
      const state = bySource.get(source);
      if (!state) return 0;
      const count = stateOf(source).failures.length;
      forgetIfIdle(source, state);
      return count;
    },
    reset: () => {
      const waiters = [...bySource.values()].flatMap((s) => s.waiting);
      bySource.clear();
      for (const wake of waiters) wake();
    },
  };
}
