import fs from 'node:fs';
import type { Logger } from '../observability';

/**
 * Watches the certificate folders (non-recursive: fs.watch recursion is not portable on Node 20)
 * and calls `onChange` once per burst of events: an ACME client writes key, certificate and
 * chain as separate files, and our own atomic writes produce temp-file events too.
 */
export function watchDirectories(dirs: string[], onChange: () => void, options: { debounceMs: number; logger: Logger }): () => void {
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, options.debounceMs);
    timer.unref();
  };
  const watchers: fs.FSWatcher[] = [];
  for (const dir of dirs) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      const watcher = fs.watch(dir, { persistent: false }, fire);
      watcher.on('error', (err) => options.logger.warn('certificate folder watch stopped', { event: 'cert.file_watch.error', dir, err }));
      watchers.push(watcher);
    } catch (err) {
      options.logger.warn('cannot watch the certificate folder: changes by other tools need a restart', { event: 'cert.file_watch.unavailable', dir, err });
    }
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
