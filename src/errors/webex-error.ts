import type { ErrorCode } from './error-codes';
import { ImpbError } from './impb-error';

export interface WebexErrorItem {
  errorCode?: number | string;
  description?: string;
}

export interface WebexErrorFacts {
  operation: string;
  method: string;
  path: string;
  /** HTTP status Webex answered with; undefined when no answer came (timeout, reset). */
  httpStatus?: number;
  /** The TrackingID Webex echoed (header `trackingid` or body `trackingId`), else the one sent. */
  trackingId: string;
  webexMessage?: string;
  webexErrors: WebexErrorItem[];
  /** Parsed Retry-After (floor 1 s) for 429/503-type answers. */
  retryAfterMs?: number;
  /**
   * True when the request may have been applied by Webex although no answer was read (timeout
   * or reset after the body was sent): a create must be looked up before it is re-sent.
   */
  maybeApplied: boolean;
}

/** Every failure of a Webex call: stable code, retryability, and what Webex said. */
export class WebexError extends ImpbError {
  readonly facts: WebexErrorFacts;

  constructor(code: ErrorCode, facts: WebexErrorFacts, options: { message?: string; retryable?: boolean; cause?: unknown } = {}) {
    const first = facts.webexErrors[0];
    const summary =
      options.message ??
      [
        `${facts.operation}: ${facts.httpStatus ?? 'no answer'}`,
        facts.webexMessage,
        first ? `errorCode ${first.errorCode ?? '?'}: ${first.description ?? ''}` : undefined,
        `TrackingID ${facts.trackingId}`,
      ]
        .filter(Boolean)
        .join(' — ');
    super(code, { message: summary, retryable: options.retryable, cause: options.cause, details: { ...facts } });
    this.name = 'WebexError';
    this.facts = facts;
  }

  get httpStatus(): number | undefined {
    return this.facts.httpStatus;
  }

  get trackingId(): string {
    return this.facts.trackingId;
  }

  /** The first Webex errorCode, as a string (e.g. "10022"). */
  get webexErrorCode(): string | undefined {
    const code = this.facts.webexErrors[0]?.errorCode;
    return code === undefined ? undefined : String(code);
  }
}

export function isWebexError(err: unknown): err is WebexError {
  return err instanceof WebexError;
}
