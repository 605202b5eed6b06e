import type { SimulatorRequestLogEntry } from './simulator-types';

/** What the simulator counts and logs of the requests it answers (stats and requestLog). */
export interface SimRecorder {
  requestLog: SimulatorRequestLogEntry[];
  byOperation: Record<string, number>;
  counters: { requests: number; rateLimited: number; unauthorized: number };
  log(entry: Omit<SimulatorRequestLogEntry, 'at'>): void;
  /** Counts one API request under its operation (ids replaced by {id}). */
  countRequest(method: string, apiPath: string): void;
}

export function createSimRecorder(logLimit: number): SimRecorder {
  const requestLog: SimulatorRequestLogEntry[] = [];
  const byOperation: Record<string, number> = {};
  const counters = { requests: 0, rateLimited: 0, unauthorized: 0 };
  return {
    requestLog,
    byOperation,
    counters,
    log(entry) {
      requestLog.push({ at: new Date().toISOString(), ...entry });
      if (requestLog.length > logLimit) requestLog.splice(0, requestLog.length - logLimit);
    },
    countRequest(method, apiPath) {
      counters.requests += 1;
      const op = operationName(method, apiPath);
      byOperation[op] = (byOperation[op] ?? 0) + 1;
    },
  };
}

function operationName(method: string, path: string): string {
  const template = path
    .split('/')
    .map((seg, i, all) =>
      i >= 3 && seg !== 'validate' && seg !== 'token' ? '{id}' : (all[1] === 'applications' || (all[1] === 'people' && seg !== 'me')) && i === 2 ? '{id}' : seg,
    )
    .join('/');
  return `${method} ${template}`;
}
