import { hostname } from 'node:os';
import { isImpbError } from '../errors';

/** Webex refused the bridge's own credentials: the job waits for valid ones instead of failing. */
export const CREDENTIAL_CODES = new Set(['IMPB_ERR_WEBEX_UNAUTHORIZED', 'IMPB_ERR_WEBEX_FORBIDDEN']);

/** The lease owner of a worker given none: this host and working directory (stable across restarts). */
export function defaultLeaseOwner(): string {
  return `${hostname()}:${process.cwd()}`;
}

export function isLeaseLost(err: unknown): boolean {
  return isImpbError(err) && err.code === 'IMPB_ERR_STORE_LEASE_LOST';
}
