import { isImpbError, isWebexError } from '../errors';
import type { JobError } from '../store/port';

/** What a job keeps of the error it met: code, Webex errorCode, description and TrackingID. */
export function jobError(err: unknown, at: number): JobError {
  const when = at;
  if (isWebexError(err)) {
    const first = err.facts.webexErrors[0];
    return compactError({
      code: err.code,
      message: err.message,
      httpStatus: err.facts.httpStatus,
      webexErrorCode: err.webexErrorCode,
      description: first?.description ?? err.facts.webexMessage,
      trackingId: err.facts.trackingId,
      at: when,
    });
  }
  if (isImpbError(err)) {
    const d = err.details as { webexErrorCode?: string; description?: string; trackingId?: string; httpStatus?: number };
    return compactError({
      code: err.code,
      message: err.message,
      httpStatus: d.httpStatus,
      webexErrorCode: d.webexErrorCode,
      description: d.description,
      trackingId: d.trackingId,
      at: when,
    });
  }
  return { code: 'IMPB_ERR_INTERNAL', message: err instanceof Error ? err.message : String(err), at: when };
}

function compactError(e: JobError): JobError {
  for (const key of Object.keys(e) as Array<keyof JobError>) if (e[key] === undefined) delete e[key];
  return e;
}
