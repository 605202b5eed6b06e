import { isImpbError } from '../errors';

/** CLI exit codes (documented in the README and in `imp-bridge --help`). */
export const EXIT = {
  OK: 0,
  /** The operation failed (refused, not found, Webex error, …). */
  FAILED: 1,
  /** Bad usage or invalid configuration. */
  USAGE: 2,
  /** The running proxy's admin API could not be reached. */
  UNREACHABLE: 3,
  /** The command worked and found problems (reconcile drift, expiring certificates). */
  FINDINGS: 4,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  the operation failed (refused, not found, remote error)
  2  bad usage or invalid configuration
  3  the running proxy's admin API is unreachable
  4  the command worked and reports findings (drift, expiring certificates)`;

export function exitCodeFor(err: unknown): number {
  if (isImpbError(err, 'IMPB_ERR_ADMIN_UNREACHABLE')) return EXIT.UNREACHABLE;
  if (isImpbError(err, 'IMPB_ERR_CONFIG_INVALID') || isImpbError(err, 'IMPB_ERR_VALIDATION')) return EXIT.USAGE;
  return EXIT.FAILED;
}
