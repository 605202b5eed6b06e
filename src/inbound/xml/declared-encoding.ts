/**
 * Which character encoding a flow-through document is in. BroadWorks documents declare
 * `UTF-8` or `ISO-8859-1` in the XML prolog; the Content-Type charset is the fallback.
 * The prolog wins because it travels with the bytes (a fixture replayed by `imp-bridge send`
 * keeps it), while proxies and clients rewrite headers.
 */
export type XmlEncoding = 'UTF-8' | 'ISO-8859-1';

const ALIASES: Record<string, XmlEncoding> = {
  'utf-8': 'UTF-8',
  utf8: 'UTF-8',
  'iso-8859-1': 'ISO-8859-1',
  iso8859_1: 'ISO-8859-1',
  'iso8859-1': 'ISO-8859-1',
  'iso_8859-1': 'ISO-8859-1',
  latin1: 'ISO-8859-1',
  'latin-1': 'ISO-8859-1',
  l1: 'ISO-8859-1',
};

const PROLOG_ENCODING = /^<\?xml[^>]{0,200}?\bencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']/;

export interface DeclaredEncoding {
  /** The supported encoding, or undefined when the declared one is not supported. */
  encoding?: XmlEncoding;
  /** The name as declared (prolog or charset), for error messages. */
  declared?: string;
  /** Bytes to skip (a UTF-8 byte order mark). */
  bomLength: number;
}

export function normaliseEncodingName(name: string): XmlEncoding | undefined {
  return ALIASES[name.trim().toLowerCase()];
}

export function charsetOfContentType(contentType: string | undefined): string | undefined {
  const match = contentType ? /;\s*charset\s*=\s*"?([A-Za-z0-9._-]{1,40})"?/i.exec(contentType) : null;
  return match?.[1];
}

/** Reads the prolog's encoding from the first bytes (ASCII-compatible in both encodings). */
export function declaredEncoding(bytes: Uint8Array, contentType?: string): DeclaredEncoding {
  const bomLength = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const head = Buffer.from(bytes.subarray(bomLength, bomLength + 256)).toString('latin1');
  const declared = PROLOG_ENCODING.exec(head)?.[1] ?? charsetOfContentType(contentType);
  if (declared === undefined) return { encoding: 'UTF-8', bomLength };
  const encoding = normaliseEncodingName(declared);
  // A byte order mark says UTF-8 whatever the prolog claims; a conflicting prolog is refused.
  if (bomLength && encoding !== 'UTF-8') return { declared, bomLength };
  return { encoding, declared, bomLength };
}
