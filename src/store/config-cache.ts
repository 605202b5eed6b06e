import type { ClusterRepo, Store, TemplateRepo } from './port';

/**
 * Templates and clusters are read on every flow-through request (the template, its cluster,
 * all clusters with identity rules) and change a few times a year. This keeps what the store
 * answered for a short while so a busy AS does not cost a query and a JSON parse per look-up.
 *
 * Correct with one instance: every put/delete through the returned store empties the cache
 * of that repo at once (a generation counter also keeps a look-up that was in flight during
 * the change from storing what it read before it). With several instances sharing one store
 * (PostgreSQL), a change made by another instance is seen here at once through a NOTIFY
 * (src/wire-deployment.ts calls `invalidateConfigCache()`), and within `ttlMs` when that is lost.
 *
 * Cached values are deep-frozen and shared: callers build changed copies (spread), never edit.
 */
export interface ConfigCacheOptions {
  /** How long an answer is reused; 0 turns the cache off. */
  ttlMs: number;
  now?: () => number;
}

export type ConfigCachedStore<S extends Store> = S & {
  /** Forgets every cached template and cluster (a change made outside this process). */
  invalidateConfigCache(): void;
  /** Told after every template or cluster write through this store (several instances NOTIFY the others). */
  onConfigWrite(listener: () => void): void;
};

export const DEFAULT_CONFIG_CACHE_TTL_MS = 2_000;
/** Bounds the entries (unknown names are cached too, so a spray of made-up names is bounded). */
const MAX_ENTRIES = 1_000;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

interface Entry<T> {
  expires: number;
  value: T;
}

type NamedRepo<T> = Pick<TemplateRepo, 'delete'> & { get(name: string): Promise<T | undefined>; list(): Promise<T[]>; put(doc: T): Promise<void> };

function cachedRepo<T, R extends NamedRepo<T>>(repo: R, options: Required<ConfigCacheOptions>, wrote: () => void): R & { invalidate(): void } {
  const byName = new Map<string, Entry<T | undefined>>();
  let all: Entry<T[]> | undefined;
  let generation = 0;
  const invalidate = () => {
    generation++;
    byName.clear();
    all = undefined;
  };
  const fresh = <V>(entry: Entry<V> | undefined): entry is Entry<V> => entry !== undefined && entry.expires > options.now();
  const afterWrite = async <V>(write: Promise<V>): Promise<V> => {
    try {
      return await write;
    } finally {
      // Also when the write failed: it may have reached the store before failing.
      invalidate();
      wrote();
    }
  };

  const cached = Object.create(repo) as R & { invalidate(): void };
  Object.assign(cached, {
    invalidate,
    async get(name: string): Promise<T | undefined> {
      const hit = byName.get(name);
      if (options.ttlMs > 0 && fresh(hit)) return hit.value;
      const seen = generation;
      const value = deepFreeze(await repo.get(name));
      if (options.ttlMs > 0 && seen === generation) {
        if (byName.size >= MAX_ENTRIES) byName.delete(byName.keys().next().value!);
        byName.set(name, { value, expires: options.now() + options.ttlMs });
      }
      return value;
    },
    async list(): Promise<T[]> {
      if (options.ttlMs > 0 && fresh(all)) return all.value;
      const seen = generation;
      const value = deepFreeze(await repo.list());
      if (options.ttlMs > 0 && seen === generation) all = { value, expires: options.now() + options.ttlMs };
      return value;
    },
    put: (doc: T) => afterWrite(repo.put(doc)),
    delete: (name: string) => afterWrite(repo.delete(name)),
  });
  return cached;
}

/**
 * The same store with cached template and cluster reads. Everything else is the store itself
 * (the returned object delegates to it), so a SqliteStore keeps its `db` and its event log.
 */
export function withConfigCache<S extends Store>(store: S, options: ConfigCacheOptions = { ttlMs: DEFAULT_CONFIG_CACHE_TTL_MS }): ConfigCachedStore<S> {
  const resolved = { ttlMs: options.ttlMs, now: options.now ?? Date.now };
  const writeListeners: Array<() => void> = [];
  const wroteConfig = () => {
    for (const listener of writeListeners) listener();
  };
  const templates = cachedRepo(store.templates as TemplateRepo & NamedRepo<unknown>, resolved, wroteConfig);
  const clusters = cachedRepo(store.clusters as ClusterRepo & NamedRepo<unknown>, resolved, wroteConfig);
  const wrapped = Object.create(store) as ConfigCachedStore<S>;
  // A unit of work writes through its own repositories: those writes empty the cache too (at once and after the commit).
  let touched = false;
  const invalidating = <R extends NamedRepo<unknown>>(repo: R, cache: { invalidate(): void }): R => {
    const wrote = () => {
      touched = true;
      cache.invalidate();
    };
    return Object.assign(Object.create(repo) as R, {
      put: (doc: unknown) => repo.put(doc).finally(wrote),
      delete: (name: string) => repo.delete(name).finally(wrote),
    });
  };
  const transaction: Store['transaction'] = async (work, opts) => {
    try {
      return await store.transaction(
        (tx) =>
          work({
            ...tx,
            templates: invalidating(tx.templates as TemplateRepo & NamedRepo<unknown>, templates),
            clusters: invalidating(tx.clusters as ClusterRepo & NamedRepo<unknown>, clusters),
          }),
        opts,
      );
    } finally {
      if (touched) {
        touched = false;
        templates.invalidate();
        clusters.invalidate();
        wroteConfig();
      }
    }
  };
  Object.defineProperties(wrapped, {
    templates: { value: templates, enumerable: true },
    clusters: { value: clusters, enumerable: true },
    transaction: { value: transaction, enumerable: true },
    invalidateConfigCache: {
      value: () => {
        templates.invalidate();
        clusters.invalidate();
      },
    },
    onConfigWrite: { value: (listener: () => void) => void writeListeners.push(listener) },
  });
  return wrapped;
}
