/**
 * Redaction applied to every log line (and reusable for stored copies of requests).
 * Three layers: secret-named keys, secret-shaped text (PEM keys, Authorization values,
 * secret-named XML elements), and exact values registered at run time (configured tokens, generated
 * passwords) wherever they appear.
 */
import { serializeError } from './serialize-error';

export const REDACTED = '[REDACTED]';

const SECRET_KEY =
  /^(password|passwd|pass|passwordHash|impPassword|provisioningPassword|authorization|proxy-authorization|cookie|set-cookie|token|accessToken|access_token|refreshToken|refresh_token|idToken|integrationToken|adminToken|secret|clientSecret|client_secret|privateKey|private_key|key|keyPem)$/i;

/** Names of secrets in JSON keys and query strings; every one holds one of these words. */
const SECRET_WORD = /passw|token|secret/i;

/**
 * Each pattern with a cheap test its match cannot do without: redaction runs on every stored
 * request and log value, and most of them contain none of these, so the regular expressions
 * (which visit every word boundary) are skipped.
 */
const TEXT_PATTERNS: Array<[RegExp, string, (text: string) => boolean]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED, (t) => t.includes('PRIVATE KEY-----')],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`, (t) => t.includes('Bearer') || t.includes('Basic')],
  [
    /("(?:password|token|access_token|refresh_token|client_secret|clientSecret|refreshToken|accessToken)"\s*:\s*")[^"]*(")/gi,
    `$1${REDACTED}$2`,
    (t) => t.includes('"') && SECRET_WORD.test(t),
  ],
  [/(\b(?:password|passwd|token|access_token|refresh_token|client_secret|secret)=)[^&\s"']*/gi, `$1${REDACTED}`, (t) => t.includes('=') && SECRET_WORD.test(t)],
  // The password in a URL's user info (`postgres://imp:secret@db/x`): pg's own errors and config echo URLs.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s"']*:)[^/?#@\s"']+@/gi, `$1${REDACTED}@`, (t) => t.includes('@') && t.includes('://')],
];

/**
 * Element names whose content is a secret, by local name (`devicePassword`, `c:sipPassword`,
 * `passwd`, `clientSecret`, …): one definition for log redaction and for the stored copies of
 * requests, so a password element the dialect table does not know is masked all the same.
 */
const SECRET_ELEMENT_NAME = /pass(?:word|wd|phrase|code)|pwd|secret/i;

function isSecretElementName(localName: string): boolean {
  return SECRET_ELEMENT_NAME.test(localName);
}

// Start tags only (`[^<>]` keeps a match inside one tag); the name is tested separately so
// the scan stays linear whatever the element names.
const START_TAG = /<((?:[\w.-]+:)?([\w.-]+))(?:\s[^<>]*)?>/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Masks the content of every secret-named element, CDATA and markup inside it included. An
 * element without its end tag (a truncated log excerpt) is masked up to the next tag.
 */
function maskSecretElements(text: string): string {
  // One scan for a secret-like word anywhere rules out most documents before any tag is visited.
  if (!text.includes('<') || !SECRET_ELEMENT_NAME.test(text)) return text;
  let out = '';
  let from = 0;
  START_TAG.lastIndex = 0;
  for (let m = START_TAG.exec(text); m; m = START_TAG.exec(text)) {
    if (!isSecretElementName(m[2]) || m[0].endsWith('/>')) continue;
    const contentStart = m.index + m[0].length;
    const end = new RegExp(`</(?:[\\w.-]+:)?${escapeRegExp(m[2])}\\s*>`, 'gi');
    end.lastIndex = contentStart;
    const close = end.exec(text);
    let next = text.indexOf('<', contentStart);
    if (next >= 0 && text.startsWith('<![CDATA[', next)) next = text.indexOf(']]>', next) < 0 ? -1 : text.indexOf(']]>', next) + 3;
    const contentEnd = close ? close.index : next < 0 ? text.length : next;
    out += `${text.slice(from, contentStart)}${REDACTED}`;
    from = contentEnd;
    START_TAG.lastIndex = close ? close.index + close[0].length : contentEnd;
  }
  return from === 0 ? text : out + text.slice(from);
}

const registered = new Set<string>();

/** Registers an exact secret value (at least 6 characters) to be masked wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) registered.add(value);
}

/** The registered secrets, for a parser thread that masks a large document with the same rule (its own registry is empty). */
export function registeredSecrets(): string[] {
  return [...registered];
}

export function redactText(text: string): string {
  let out = maskSecretElements(text);
  for (const [pattern, replacement, mayMatch] of TEXT_PATTERNS) if (mayMatch(out)) out = out.replace(pattern, replacement);
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Deep copy with secrets masked. Handles cycles (only a real cycle, an object inside itself,
 * becomes "[Circular]"; the same object met twice in different branches is copied twice),
 * errors (see serializeError) and buffers.
 */
export function redactValue(value: unknown, ancestors = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (ancestors.has(value)) return '[Circular]';
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => redactValue(v, ancestors));
    if (value instanceof Error) return redactValue(serializeError(value), ancestors);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redactValue(v, ancestors);
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}
