import { ImpbError } from '../../errors';
import type { Lease } from '../port';

/** A lease that is no longer current: both stores answer it in these words, so the worker and operators see one message. */
export function leaseLost(lease: Lease, action: string): ImpbError {
  return new ImpbError('IMPB_ERR_STORE_LEASE_LOST', {
    message: `job ${lease.jobId}: cannot ${action}, the lease of ${lease.owner} is no longer current (it expired and another worker took the job over)`,
    details: { jobId: lease.jobId, owner: lease.owner },
  });
}

/** A job move the state table or the job's user does not allow. */
export function conflict(id: number, why: string): ImpbError {
  return new ImpbError('IMPB_ERR_STORE_CONFLICT', { message: `job ${id}: ${why}`, details: { jobId: id } });
}
