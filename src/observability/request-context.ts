import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface RequestContext {
  requestId: string;
  [key: string]: unknown;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with a request context; every log line written inside carries its requestId. */
export function runWithRequestContext<T>(context: Partial<RequestContext>, fn: () => T): T {
  return storage.run({ ...context, requestId: context.requestId ?? newRequestId() }, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

export function newRequestId(): string {
  return randomUUID();
}

/** Who acts in the current request ('cli' when the CLI said so), else the fallback. */
export function currentActor(fallback: string): string {
  const actor = storage.getStore()?.actor;
  return typeof actor === 'string' ? actor : fallback;
}
