/**
 * Bounds how many large bodies are parsed and applied at once: a parsed 10 MB document with
 * its decoded, masked and stored copies costs several times its size, so eight at once would
 * multiply that. Small bodies pass untouched; large ones take a permit, wait in a bounded
 * queue, or are told the proxy is busy (the AS is answered 5001 and retries).
 */
export interface LargeBodyGate {
  /** A release function, or undefined when the queue is full. */
  acquire(bytes: number): Promise<(() => void) | undefined>;
}

export function createLargeBodyGate(options: { thresholdBytes: number; parallel: number; queue: number }): LargeBodyGate {
  let running = 0;
  const waiting: Array<() => void> = [];
  const noop = () => undefined;

  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  const permit = () => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release();
    };
  };

  return {
    async acquire(bytes) {
      if (bytes < options.thresholdBytes) return noop;
      if (running < options.parallel) {
        running++;
        return permit();
      }
      if (waiting.length >= options.queue) return undefined;
      // The permit passes straight from the releasing request to this one (running unchanged).
      await new Promise<void>((resolve) => waiting.push(resolve));
      return permit();
    },
  };
}
