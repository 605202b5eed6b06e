/**
 * Retry delay: exponential with full jitter (AWS architecture blog, "Exponential Backoff And
 * Jitter"), so that jobs failing together do not retry together; never shorter than the
 * Retry-After Webex asked for.
 */
export function retryDelayMs(attempt: number, options: { baseMs: number; maxMs: number; retryAfterMs?: number; random?: () => number }): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, options.retryAfterMs ?? 0);
}

/** Status polls: pollInitial, doubling, capped at pollMax. */
export function pollDelayMs(pollCount: number, options: { initialMs: number; maxMs: number }): number {
  return Math.min(options.maxMs, options.initialMs * 2 ** Math.min(pollCount, 30));
}
