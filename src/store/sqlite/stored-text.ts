import { setImmediate as nextTurn } from 'node:timers/promises';
import { createDeflate, inflateSync } from 'node:zlib';

/**
 * Request texts this large are stored deflated. Inserting a 10 MB string held the event loop
 * for 50–350 ms inside the transaction (UTF-8 copy, page writes, WAL growth); deflating runs on
 * libuv's thread pool, and a masked XML document shrinks several times over.
 */
export const COMPRESS_AT = 256 * 1024;

/**
 * UTF-16 code units encoded to UTF-8 per turn of the event loop: one Buffer.from of a 10 MB
 * text held the loop for ~25 ms, in slices of this size each takes well under 5 ms.
 */
export const ENCODE_SLICE = 1024 * 1024;

/** Where a slice starting at `from` ends, moved one unit on so a surrogate pair is never split (a lone half would encode as U+FFFD). */
function sliceEnd(text: string, from: number): number {
  const end = Math.min(text.length, from + ENCODE_SLICE);
  const last = text.charCodeAt(end - 1);
  return end < text.length && last >= 0xd800 && last <= 0xdbff ? end + 1 : end;
}

/**
 * What the requests table keeps for a large request text (COMPRESS_AT or more): its deflated
 * UTF-8, as a BLOB. The text is encoded a slice per turn and deflated on libuv's thread pool,
 * so /healthz and small requests are served meanwhile.
 */
export async function packRequestText(text: string): Promise<Buffer> {
  const deflater = createDeflate({ level: 1 });
  const chunks: Buffer[] = [];
  deflater.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    deflater.once('end', resolve);
    deflater.once('error', reject);
  });
  for (let from = 0; from < text.length;) {
    const end = sliceEnd(text, from);
    deflater.write(Buffer.from(text.slice(from, end), 'utf8'));
    from = end;
    if (from < text.length) await nextTurn();
  }
  deflater.end();
  await done;
  return Buffer.concat(chunks);
}

/** Reads back what packRequestText stored: a BLOB is always a deflated text (TEXT rows are stored as is). */
export function unpackRequestText(stored: string | Buffer | null): string {
  if (stored === null) return '';
  return Buffer.isBuffer(stored) ? inflateSync(stored).toString('utf8') : stored;
}
