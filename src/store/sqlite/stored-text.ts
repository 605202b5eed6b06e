import { promisify } from 'node:util';
import { deflate, inflateSync } from 'node:zlib';

/**
 * Request texts this large are stored deflated. Inserting a 10 MB string held the event loop
 * for 50–350 ms inside the transaction (UTF-8 copy, page writes, WAL growth); deflating runs on
 * libuv's thread pool, and a masked XML document shrinks several times over.
 */
export const COMPRESS_AT = 256 * 1024;

const deflateAsync = promisify(deflate);

/** What the requests table keeps for a large request text (COMPRESS_AT or more): its deflated UTF-8, as a BLOB. */
export function packRequestText(text: string): Promise<Buffer> {
  return deflateAsync(Buffer.from(text, 'utf8'), { level: 1 });
}

/** Reads back what packRequestText stored: a BLOB is always a deflated text (TEXT rows are stored as is). */
export function unpackRequestText(stored: string | Buffer | null): string {
  if (stored === null) return '';
  return Buffer.isBuffer(stored) ? inflateSync(stored).toString('utf8') : stored;
}
