import { z } from 'zod';
import { ImpbError } from '../errors';
import type { Job, Store } from '../store';
import type { JobActions } from './job-actions';

export const BULK_RETRY_STATES = ['failed', 'cancelled', 'retry_wait'] as const;

export const bulkRetryBodySchema = z
  .object({
    state: z.enum(BULK_RETRY_STATES).default('failed').describe('jobs in this state'),
    template: z.string().min(1).optional().describe('only jobs of this template'),
    error: z.string().min(1).optional().describe('only jobs whose last error has this code (IMPB_ERR_… or the Webex errorCode)'),
  })
  .strict();
export type BulkRetryFilter = z.infer<typeof bulkRetryBodySchema>;

export interface BulkRetryProgress {
  done: number;
  total: number;
}

export interface BulkRetryResult {
  matched: number;
  retried: number;
  /** Jobs refused one by one (superseded by a newer job, changed meanwhile), with the reason. */
  skipped: Array<{ jobId: number; code: string; reason: string }>;
  failed: number;
}

const matches = (job: Job, error: string | undefined) => !error || job.lastError?.code === error || job.lastError?.webexErrorCode === error;

/**
 * Retries every job matching the filter through the single-job use case, so a bulk retry
 * obeys the same rules (superseded jobs refused, state changed meanwhile) and writes the same
 * audit entries. The ids are collected first: retried jobs leave the state being paged.
 */
export async function retryMatching(
  deps: { store: Store; jobs: JobActions },
  filter: BulkRetryFilter,
  onProgress?: (p: BulkRetryProgress) => void,
): Promise<BulkRetryResult> {
  const ids: number[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await deps.store.jobs.list({ state: filter.state, template: filter.template, limit: 1000, offset });
    ids.push(...page.filter((j) => matches(j, filter.error)).map((j) => j.id));
    if (page.length < 1000) break;
  }
  const result: BulkRetryResult = { matched: ids.length, retried: 0, skipped: [], failed: 0 };
  let lastReport = 0;
  for (const [i, id] of ids.entries()) {
    try {
      await deps.jobs.retry(id);
      result.retried++;
    } catch (err) {
      if (!(err instanceof ImpbError)) throw err;
      if (err.code === 'IMPB_ERR_CONFLICT' || err.code === 'IMPB_ERR_NOT_FOUND') result.skipped.push({ jobId: id, code: err.code, reason: err.message });
      else result.failed++;
    }
    // At most ~20 progress lines a second whatever the count.
    if (onProgress && (Date.now() - lastReport > 50 || i === ids.length - 1)) {
      lastReport = Date.now();
      onProgress({ done: i + 1, total: ids.length });
    }
  }
  return result;
}
