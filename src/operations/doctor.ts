import { checkListeners, checkQueue, checkServerCertificate, checkTrust } from './doctor-checks';
import { checkClock, checkWebex } from './doctor-webex-checks';
import { checkDisk, checkStore } from './doctor-store-checks';
import type { DoctorCheck, DoctorDeps, DoctorReport, DoctorRequestFacts, DoctorStatus } from './doctor-types';

export type * from './doctor-types';

const ORDER: Record<DoctorStatus, number> = { ok: 0, warn: 1, fail: 2 };

/**
 * The operator's health check. One implementation behind GET /api/v1/doctor; the CLI prints it.
 * Checks never throw: an unexpected error becomes a failed check naming it.
 */
export async function runDoctor(deps: DoctorDeps, facts: DoctorRequestFacts = {}): Promise<DoctorReport> {
  const now = deps.now ?? Date.now;
  const guard = async (name: string, fn: () => Promise<DoctorCheck[]> | DoctorCheck[]): Promise<DoctorCheck[]> => {
    try {
      return await fn();
    } catch (err) {
      return [
        {
          name,
          status: 'fail',
          message: `the check itself failed: ${(err as Error).message}`,
          fix: 'look at the proxy log for the cause; run imp-bridge doctor again',
        },
      ];
    }
  };
  // Webex first: the clock check reads the Date header of the same call.
  const webex = await checkWebex(deps, now);
  const checks = [
    ...(await guard('listeners', () => checkListeners(deps, facts))),
    ...(await guard('certificate', () => checkServerCertificate(deps, now()))),
    ...(await guard('trust', () => checkTrust(deps, now()))),
    ...webex.checks,
    checkClock(webex.clock),
    ...(await guard('queue', () => checkQueue(deps, now()))),
    ...(await guard('store', () => checkStore(deps))),
    ...(await guard('disk', () => checkDisk(deps))),
  ];
  const counts: Record<DoctorStatus, number> = { ok: 0, warn: 0, fail: 0 };
  for (const c of checks) counts[c.status] += 1;
  const status = checks.reduce<DoctorStatus>((worst, c) => (ORDER[c.status] > ORDER[worst] ? c.status : worst), 'ok');
  return { status, generatedAt: new Date(now()).toISOString(), version: deps.version, counts, checks };
}
