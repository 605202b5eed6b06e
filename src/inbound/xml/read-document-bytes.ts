import { ImpbError, isImpbError, type ErrorCode } from '../../errors';
import { compiledDialectFor, type DialectExtensions } from '../dialect/dialect-extensions';
import { readFlowThroughDocument, type FlowThroughDocument } from '../dialect/read-document';
import type { XmlEncoding } from './declared-encoding';
import type { StructureLimits } from './hostile-input-guards';
import { parseXmlDocument } from './parse-xml';

export interface ReadOptions {
  limits: StructureLimits;
  maxCommands: number;
  /** The configured dialect extensions (plain data: it crosses into the parser thread). */
  dialect?: DialectExtensions;
}

/** The decoded text and its encoding, once the bytes parsed (kept even when the dialect refuses the document). */
export interface ParsedText {
  text: string;
  encoding: XmlEncoding;
  /**
   * The text as it may be stored, when the reader masked it already: the parser thread does,
   * so a large document is not masked on the event loop. `text` is then that masked text too:
   * the raw one stays in the thread (it is only ever masked).
   */
  masked?: string;
}

export type ReadResult = { doc: FlowThroughDocument; parsed: ParsedText; error?: undefined } | { error: ImpbError; parsed?: ParsedText; doc?: undefined };

/** Bytes → the dialect's document, or the refusal (with the text when the XML itself was well-formed). */
export function readDocumentBytes(bytes: Buffer, contentType: string | undefined, options: ReadOptions): ReadResult {
  let parsed: ParsedText | undefined;
  try {
    const document = parseXmlDocument(bytes, contentType, options.limits);
    parsed = { text: document.text, encoding: document.encoding };
    return { parsed, doc: readFlowThroughDocument(document.root, { maxCommands: options.maxCommands, dialect: compiledDialectFor(options.dialect) }) };
  } catch (err) {
    return { error: isImpbError(err) ? err : new ImpbError('IMPB_ERR_XML_MALFORMED', { cause: err }), parsed };
  }
}

/** What crosses the thread boundary (read-in-worker.ts, parse-worker.ts): plain data only. */
export interface WorkerRequest {
  bytes: Uint8Array;
  contentType?: string;
  options: ReadOptions;
  /** What the thread masks the text with: the caller's known secrets (the header password) and the process's registered ones. */
  secrets: { known: string[]; registered: string[] };
}

/** `masked`: the text masked as maskDocument does it (mask-request.ts); the raw text never crosses back. */
export type WorkerReply =
  | { ok: true; doc: FlowThroughDocument; masked: string; encoding: XmlEncoding }
  | { ok: false; code: ErrorCode; message: string; details?: Record<string, unknown>; masked?: string; encoding?: XmlEncoding };
