import { systemClock, type Clock } from '../domain';
import type { Logger } from '../observability';
import type { RetentionPolicy, Store } from './port';

export interface RetentionSchedule {
  /** One sweep now (the timer calls it; tests and the CLI may too). */
  sweepNow(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * The periodic retention sweep: every `intervalMs`, rows past retention go in small batches.
 * A failed sweep is logged and tried again at the next interval; it never stops the service.
 */
export function createRetentionSchedule(deps: {
  store: Store;
  policy: RetentionPolicy;
  intervalMs: number;
  logger: Logger;
  clock?: Clock;
  /** Several instances: only the leader sweeps. */
  isLeader?: () => boolean;
}): RetentionSchedule {
  const clock = deps.clock ?? systemClock;
  let running: Promise<unknown> = Promise.resolve();
  let closed = false;
  const sweepNow = async () => {
    const deleted = await deps.store.retention.sweep(deps.policy, clock.now());
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    if (total) deps.logger.info('retention: old rows deleted', { event: 'store.retention.swept', ...deleted });
    return deleted;
  };
  const timer =
    deps.intervalMs > 0
      ? setInterval(() => {
          if (closed || !deps.store.isOpen() || (deps.isLeader && !deps.isLeader())) return;
          running = sweepNow().catch((err: unknown) =>
            deps.logger.warn('retention: sweep failed; tried again at the next interval', { event: 'store.retention.failed', err }),
          );
        }, deps.intervalMs)
      : undefined;
  timer?.unref?.();
  return {
    sweepNow,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
