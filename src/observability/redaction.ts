/**
 * Redaction applied to every log line (and reusable for stored copies of requests).
 * Three layers: secret-named keys, secret-shaped text (PEM keys, Authorization values,
 * password elements), and exact values registered at run time (configured tokens, generated
 * passwords) wherever they appear.
 */
export const REDACTED = '[REDACTED]';

const SECRET_KEY = /^(password|passwd|pass|passwordHash|impPassword|provisioningPassword|authorization|proxy-authorization|cookie|set-cookie|token|accessToken|access_token|refreshToken|refresh_token|idToken|integrationToken|adminToken|secret|clientSecret|client_secret|privateKey|private_key|key|keyPem)$/i;

const TEXT_PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
  [/(<(?:[\w-]+:)?(impPassword|provisioningPassword|password)\b[^>]*>)[^<]*(<\/)/gi, `$1${REDACTED}$3`],
  [/("(?:password|token|access_token|refresh_token|client_secret|clientSecret|refreshToken|accessToken)"\s*:\s*")[^"]*(")/gi, `$1${REDACTED}$2`],
  [/(\b(?:password|passwd|token|access_token|refresh_token|client_secret|secret)=)[^&\s"']*/gi, `$1${REDACTED}`],
];

const registered = new Set<string>();

/** Registers an exact secret value (at least 6 characters) to be masked wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) registered.add(value);
}

export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_PATTERNS) out = out.replace(pattern, replacement);
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Deep copy with secrets masked. Handles cycles, errors and buffers. */
export function redactValue(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, seen));
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: redactText(value.message) };
    if (value.stack) out.stack = redactText(value.stack);
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : redactValue(v, seen);
    if (value.cause !== undefined) out.cause = redactValue(value.cause, seen);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redactValue(v, seen);
  }
  return out;
}
