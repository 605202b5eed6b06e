// Shared by the Webex client and the relay queue's deliveries (an upstream provisioning URL sends the same header).

/** Used when Webex sends no usable Retry-After (missing, `0`, or values such as `rand(30),add(30)`). */
export const DEFAULT_RETRY_AFTER_MS = 10_000;
const FLOOR_MS = 1_000;
/** A wrong header must not park a job for days. */
const CEILING_MS = 3_600_000;

/**
 * Parses Retry-After defensively. Webex documents seconds; HTTP also allows a date. Live
 * answers have carried `0` and expressions like `rand(30),add(30)`, which are not numbers:
 * those fall back to the default, and anything usable is clamped to [1 s, 1 h].
 */
export function parseRetryAfterMs(value: string | string[] | undefined, defaultMs = DEFAULT_RETRY_AFTER_MS, now = Date.now()): number {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  const fallback = clamp(defaultMs);
  if (!raw) return fallback;
  if (/^\d+(\.\d+)?$/.test(raw)) {
    const seconds = Number(raw);
    return seconds > 0 ? clamp(seconds * 1000) : fallback;
  }
  if (/[a-z]{3},? /i.test(raw)) {
    const at = Date.parse(raw);
    if (!Number.isNaN(at)) return clamp(at - now);
  }
  return fallback;
}

function clamp(ms: number): number {
  return Math.min(CEILING_MS, Math.max(FLOOR_MS, Math.round(ms)));
}
