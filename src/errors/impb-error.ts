import { ERROR_DEFINITIONS, type ErrorCode } from './error-codes';

export interface ImpbErrorOptions {
  message?: string;
  cause?: unknown;
  /** Overrides the table's retryability (e.g. a Webex 5xx that is known to be transient). */
  retryable?: boolean;
  status?: number;
  /** Structured, secret-free facts for logs and API answers. */
  details?: Record<string, unknown>;
}

export class ImpbError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, options: ImpbErrorOptions = {}) {
    const def = ERROR_DEFINITIONS[code] ?? ERROR_DEFINITIONS.IMPB_ERR_INTERNAL;
    super(options.message ?? def.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ImpbError';
    this.code = code;
    this.status = options.status ?? def.status;
    this.retryable = options.retryable ?? def.retryable;
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retryable: this.retryable, ...this.details };
  }
}

export function isImpbError(err: unknown, code?: ErrorCode): err is ImpbError {
  return err instanceof ImpbError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into an ImpbError, keeping the original as `cause`. */
export function toImpbError(err: unknown, fallback: ErrorCode = 'IMPB_ERR_INTERNAL'): ImpbError {
  if (err instanceof ImpbError) return err;
  return new ImpbError(fallback, { cause: err });
}
