import type { Json, SimulatorFaults, SimulatorOAuthOptions, SimulatorState } from './simulator-types';

export interface SimContext {
  state: SimulatorState;
  /** http://host:port/v1 */
  baseUrl: string;
  token: string;
  oauth?: SimulatorOAuthOptions;
  provisioningDelayMs: number;
  customerProvisioningDelayMs: number;
  faults(): SimulatorFaults;
  creates: { broadworksSubscribers: number; customers: number; wholesaleSubscribers: number };
  /** BroadWorks creates for a user this simulator had already created (and not failed): what a proxy must never send. */
  duplicateCreates: number;
  counters: { tokenRefreshes: number; serviceAppGrants: number };
  /** Runs fn after ms unless the simulator closed first. */
  schedule(ms: number, fn: () => void): void;
  /** Whether a bearer token is valid now. */
  isValidToken(token: string | undefined): boolean;
}

export interface SimRequest {
  method: string;
  /** Path after /v1, e.g. /broadworks/subscribers/abc */
  path: string;
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  rawBody: string;
  contentType: string;
  bearer?: string;
}

/** Bumps a record's version so that a pending transition of an older version is dropped. */
const versions = new WeakMap<Json, number>();

export function bumpVersion(record: Json): number {
  const next = (versions.get(record) ?? 0) + 1;
  versions.set(record, next);
  return next;
}

export function isVersion(record: Json, version: number): boolean {
  return versions.get(record) === version;
}
