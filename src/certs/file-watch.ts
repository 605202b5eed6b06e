import fs from 'node:fs';
import type { Logger } from '../observability';

export interface DirectoryWatch {
  /** Re-reads `followed` (e.g. after the active generation changed) and re-aims the watches. */
  refresh(): void;
  close(): void;
}

/**
 * Watches the certificate folders (non-recursive: fs.watch recursion is not portable on Node 20)
 * and calls `onChange` once per burst of events: an ACME client writes key, certificate and
 * chain as separate files, and our own atomic writes produce temp-file events too.
 *
 * `followed` are paths whose target moves (the `current` generation link): a tool writing in
 * place through certs/server.crt changes a file in that generation, not in certs/, so its
 * directory is watched too, re-aimed at each refresh.
 */
export function watchDirectories(
  dirs: string[],
  onChange: () => void,
  options: { debounceMs: number; logger: Logger; followed?: () => string[] },
): DirectoryWatch {
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      refresh();
      onChange();
    }, options.debounceMs);
    timer.unref();
  };
  const watchers = new Map<string, fs.FSWatcher>();
  const watch = (dir: string) => {
    try {
      const real = fs.realpathSync(dir);
      if (watchers.has(real)) return real;
      const watcher = fs.watch(real, { persistent: false }, fire);
      watcher.on('error', (err) => options.logger.warn('certificate folder watch stopped', { event: 'cert.file_watch.error', dir, err }));
      watchers.set(real, watcher);
      return real;
    } catch (err) {
      options.logger.warn('cannot watch the certificate folder: changes by other tools need a restart', { event: 'cert.file_watch.unavailable', dir, err });
      return undefined;
    }
  };
  const fixed = new Set<string>();
  for (const dir of dirs) {
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch {
      // watch() below says why the folder cannot be watched.
    }
    const real = watch(dir);
    if (real) fixed.add(real);
  }
  let closed = false;
  function refresh(): void {
    if (closed) return;
    const wanted = new Set(fixed);
    for (const dir of options.followed?.() ?? []) {
      const real = watch(dir);
      if (real) wanted.add(real);
    }
    for (const [real, watcher] of watchers) {
      if (wanted.has(real)) continue;
      watcher.close();
      watchers.delete(real);
    }
  }
  refresh();
  return {
    refresh,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
