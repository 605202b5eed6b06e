import { deliveryVerdict, type RelayDeliveryAttempt, type RelayDeliveryPayload } from '../domain';
import { ImpbError, type ErrorCode } from '../errors';
import type { JobOutcome, JobRun } from './job-run';

export type { RelayDeliveryAnswer, RelayDeliveryPort } from './relay-delivery-port';

function isPayload(value: unknown): value is RelayDeliveryPayload {
  const v = value as Partial<RelayDeliveryPayload> | undefined;
  return typeof v?.requestId === 'string' && typeof v.sealed === 'string' && typeof v.method === 'string';
}

/**
 * One delivery attempt of a relay_delivery job: 2xx ends it done; no answer, 5xx and 429 are
 * retried with the worker's backoff (never sooner than a Retry-After); any other status is the
 * upstream's verdict and ends it failed with the answer kept. At least once: a crash between the
 * send and the commit of its outcome sends it again (the attempt then says `maybeRepeated`).
 */
export async function deliverQueued(run: JobRun): Promise<JobOutcome> {
  const { job, template } = run;
  const delivery = job.payload.delivery;
  if (!isPayload(delivery)) throw new ImpbError('IMPB_ERR_VALIDATION', { message: `job ${job.id} carries no queued request` });
  if (!template.upstream)
    throw new ImpbError('IMPB_ERR_CONFIG_INVALID', { message: `template ${template.name} has no upstream.url any more; set one and retry the job` });
  if (!run.relay) throw new ImpbError('IMPB_ERR_STARTUP', { message: 'this worker has no relay delivery wired' });
  const answer = await run.relay.deliver(template, delivery);
  const at = run.now();
  const attempt: RelayDeliveryAttempt = {
    at,
    ...(answer.answered ? { status: answer.status } : {}),
    ...(answer.code ? { code: answer.code } : {}),
    ...(answer.excerpt ? { answer: answer.excerpt } : {}),
    durationMs: Math.round(answer.durationMs),
    ...(job.lookupFirst ? { maybeRepeated: true } : {}),
  };
  run.job = { ...job, payload: { ...job.payload, lastAttempt: attempt } };
  const verdict = deliveryVerdict(answer, at);
  if (verdict.type === 'delivered') return { type: 'done', outcome: 'delivered' };
  if (verdict.type === 'retry') {
    const code: ErrorCode = answer.answered ? 'IMPB_ERR_UPSTREAM_BUSY' : (answer.code ?? 'IMPB_ERR_UPSTREAM_UNREACHABLE');
    const what = answer.answered ? `the upstream answered ${answer.status}` : `the upstream did not answer (${answer.reason ?? code})`;
    throw new ImpbError(code, {
      message: `${what}; delivery retried`,
      details: { ...(answer.answered ? { httpStatus: answer.status } : {}), ...(verdict.retryAfterMs ? { retryAfterMs: verdict.retryAfterMs } : {}) },
    });
  }
  return {
    type: 'failed',
    subscriberStatus: '',
    error: {
      code: 'IMPB_ERR_UPSTREAM_REFUSED',
      message: `the upstream answered ${answer.status}: its verdict on the request, not retried`,
      httpStatus: answer.status,
      ...(answer.excerpt ? { description: answer.excerpt } : {}),
      at: attempt.at,
    },
  };
}
