import type { Request, Response } from 'express';
import { presentTimes } from '../domain';
import { ImpbError } from '../errors';

/**
 * Long operator operations answer plain JSON, or, when the client accepts NDJSON, progress
 * lines as the work goes and one last line with the outcome (the CLI draws its bar from them).
 */
export async function ndjsonOrJson<P, T>(
  req: Request,
  res: Response,
  run: (onProgress?: (p: P) => void) => Promise<T>,
  resultKey: string,
): Promise<T | undefined> {
  // Plain JSON goes out through the API router, which renders record times (presentTimes).
  if (!String(req.headers.accept ?? '').includes('application/x-ndjson')) return run();
  res.status(200).setHeader('content-type', 'application/x-ndjson');
  res.flushHeaders();
  try {
    const result = await run((p) => res.write(`${JSON.stringify({ type: 'progress', ...p })}\n`));
    res.end(`${JSON.stringify({ type: resultKey, [resultKey]: presentTimes(result) })}\n`);
  } catch (err) {
    const e = err instanceof ImpbError ? err : new ImpbError('IMPB_ERR_INTERNAL', { cause: err });
    res.end(`${JSON.stringify({ type: 'error', error: e.toJSON() })}\n`);
  }
  return undefined;
}
