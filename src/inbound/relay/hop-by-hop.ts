import type { IncomingHttpHeaders } from 'node:http';

/**
 * RFC 9110 §7.6.1: connection-specific fields a proxy must not forward, plus every field the
 * `Connection` header itself names. `proxy-connection` is not standard but is sent by old
 * clients with the same meaning.
 */
export const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'te', 'transfer-encoding', 'upgrade']);

/**
 * Fields that describe this hop's framing or target rather than the message: the client
 * recomputes them for the next hop (Host names the upstream; Content-Length follows the same
 * body bytes, so it keeps its value; Expect is answered by this hop).
 */
const RECOMPUTED = new Set(['host', 'content-length', 'expect']);

export type HeaderValues = Record<string, string | string[] | undefined>;

function connectionTokens(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    text
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** The end-to-end fields of a message, names lower-cased, values as received. */
export function endToEndHeaders(headers: IncomingHttpHeaders | HeaderValues, options: { keepRecomputed?: boolean } = {}): Record<string, string | string[]> {
  const named = connectionTokens(headers['connection'] ?? headers['Connection' as 'connection']);
  const out: Record<string, string | string[]> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name)) continue;
    if (!options.keepRecomputed && RECOMPUTED.has(name)) continue;
    out[name] = value;
  }
  return out;
}
