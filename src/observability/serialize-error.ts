import { ImpbError, WebexError } from '../errors';

/** How deep a `cause` chain is followed in a log line (a longer chain is cut, not looped). */
const MAX_CAUSE_DEPTH = 4;

/**
 * An error as one log field. An ImpbError is an expected outcome (a code from the one table):
 * its code, message, retryability, HTTP status, TrackingID and details appear once, with no
 * stack trace — the stack says nothing an operator can act on. Anything else is a bug or a
 * fault we did not classify: its stack is kept. A WebexError's `facts` are its `details`, so
 * only `details` is written; their httpStatus and trackingId are lifted to the top.
 */
export function serializeError(err: Error, depth = 0, underOperational = false): Record<string, unknown> {
  const operational = underOperational || isOperationalError(err);
  if (err instanceof ImpbError) {
    const { httpStatus, trackingId, ...details } = err.details as { httpStatus?: unknown; trackingId?: unknown } & Record<string, unknown>;
    const out: Record<string, unknown> = { code: err.code, message: err.message, retryable: err.retryable };
    if (httpStatus !== undefined) out.httpStatus = httpStatus;
    else if (!(err instanceof WebexError)) out.httpStatus = err.status;
    if (trackingId !== undefined) out.trackingId = trackingId;
    if (Object.keys(details).length > 0) out.details = details;
    if (!operational && err.stack) out.stack = err.stack;
    addCause(out, err.cause, depth, operational);
    return out;
  }
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (!operational && err.stack) out.stack = err.stack;
  addCause(out, err.cause, depth, operational);
  return out;
}

/** Expected failures: every ImpbError but the catch-all internal one. */
export function isOperationalError(err: unknown): boolean {
  return err instanceof ImpbError && err.code !== 'IMPB_ERR_INTERNAL';
}

function addCause(out: Record<string, unknown>, cause: unknown, depth: number, operational: boolean): void {
  if (cause === undefined) return;
  if (depth + 1 >= MAX_CAUSE_DEPTH) {
    out.cause = '[cause chain cut]';
    return;
  }
  // An operational error's cause was classified into it: its message helps, its stack does not.
  out.cause = cause instanceof Error ? serializeError(cause, depth + 1, operational) : cause;
}
