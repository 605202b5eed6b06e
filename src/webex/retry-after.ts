// The parser lives in the domain: the relay queue's deliveries honour the same header.
export { DEFAULT_RETRY_AFTER_MS, parseRetryAfterMs } from '../domain/retry-after';
