import type { IncomingMessage } from 'node:http';
import { ImpbError } from '../errors';

/**
 * Reads the request body up to `limit` bytes. A declared Content-Length beyond the limit is
 * refused before a byte is read; a chunked body stops being read as soon as it passes the
 * limit (the connection is closed by the caller, so the rest is never received).
 */
export function readBodyWithLimit(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new ImpbError('IMPB_ERR_BODY_TOO_LARGE', { details: { limit, declared } }));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(new ImpbError('IMPB_ERR_BODY_TOO_LARGE', { details: { limit } }));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onAborted = () => onError(new Error('request aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

const XML_TYPES = new Set(['text/xml', 'application/xml']);

export function isXmlContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  return XML_TYPES.has(contentType.split(';')[0].trim().toLowerCase());
}
