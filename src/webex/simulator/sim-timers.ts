/** The simulator's pending timers, all cleared at close so that none outlives it. */
export interface SimTimers {
  /** Runs fn after ms unless the simulator closed first. */
  schedule(ms: number, fn: () => void): void;
  /** Resolves after ms; never once closed (the request it holds is dropped with the server). */
  delay(ms: number): Promise<void>;
  isClosed(): boolean;
  close(): void;
}

export function createSimTimers(): SimTimers {
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const start = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    timers.add(timer);
  };
  return {
    schedule(ms, fn) {
      if (!closed) start(ms, fn);
    },
    delay: (ms) => new Promise<void>((resolve) => start(ms, resolve)),
    isClosed: () => closed,
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
