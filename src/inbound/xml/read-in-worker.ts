import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ImpbError, isImpbError } from '../../errors';
import { registeredSecrets } from '../../observability';
import { compiledDialectFor, type DialectExtensions } from '../dialect/dialect-extensions';
import type { FlowThroughDocument } from '../dialect/read-document';
import { readDocumentBytes, type ReadOptions, type ReadResult, type WorkerReply, type WorkerRequest } from './read-document-bytes';

/**
 * The worker script is the compiled file beside this one. Under ts-jest this module runs from
 * `src/` as TypeScript, which a worker cannot load, so the compiled copy in `dist/` (built by
 * the test set-up) is used; when neither exists, documents are read on the main thread.
 */
function workerScript(): string | undefined {
  const beside = path.join(__dirname, 'parse-worker.js');
  if (fs.existsSync(beside)) return beside;
  const built = path.resolve(__dirname, '../../../dist/inbound/xml/parse-worker.js');
  return __filename.endsWith('.ts') && fs.existsSync(built) ? built : undefined;
}

/** A structured clone loses what the reader guarantees: prototype-less fields and the table's own specs. */
function restore(doc: FlowThroughDocument, extensions: DialectExtensions | undefined): FlowThroughDocument {
  const dialect = compiledDialectFor(extensions);
  for (const command of doc.commands) {
    command.fields = Object.assign(Object.create(null) as typeof command.fields, command.fields);
    if (command.typeProblem) delete command.spec;
    else command.spec = dialect.commandSpec(command.type);
  }
  return doc;
}

export function replyToResult(reply: WorkerReply, extensions?: DialectExtensions): ReadResult {
  if (reply.ok) return { doc: restore(reply.doc, extensions), parsed: { text: reply.masked, masked: reply.masked, encoding: reply.encoding } };
  const error = new ImpbError(reply.code, { message: reply.message, details: reply.details });
  return { error, parsed: reply.masked !== undefined && reply.encoding ? { text: reply.masked, masked: reply.masked, encoding: reply.encoding } : undefined };
}

/**
 * Parses one large document in its own worker thread, so the event loop (health checks, small
 * requests) keeps running for the half second a 10 MB document takes, and with its own heap
 * limit, so a document that still needs too much memory ends that worker, not the process.
 */
/** Note: `bytes` is detached (moved to the worker) when it owns its whole ArrayBuffer. */
export function readDocumentInWorker(
  bytes: Buffer,
  contentType: string | undefined,
  options: ReadOptions & { heapLimitMb: number; headerPassword?: string },
): Promise<ReadResult> {
  const script = workerScript();
  if (!script) return Promise.resolve(readDocumentBytes(bytes, contentType, options));
  return new Promise<ReadResult>((resolve) => {
    const worker = new Worker(script, { resourceLimits: { maxOldGenerationSizeMb: options.heapLimitMb, maxYoungGenerationSizeMb: 32 } });
    let settled = false;
    const settle = (result: ReadResult) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      resolve(result);
    };
    worker.once('message', (reply: WorkerReply) => settle(replyToResult(reply, options.dialect)));
    worker.once('error', (err: Error & { code?: string }) => {
      const outOfMemory = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      const error = outOfMemory
        ? new ImpbError('IMPB_ERR_XML_LIMIT', { message: `document needs more than ${options.heapLimitMb} MB to parse (provisioning.parseHeapLimitMb)` })
        : isImpbError(err)
          ? err
          : new ImpbError('IMPB_ERR_XML_MALFORMED', { cause: err });
      settle({ error });
    });
    worker.once('exit', () => settle({ error: new ImpbError('IMPB_ERR_PARSER_BUSY', { message: 'the parser thread ended without an answer' }) }));
    // Moved, not copied, when the body owns its memory; callers keep only the head they need.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const request: WorkerRequest = {
      bytes: own ? bytes : Uint8Array.from(bytes),
      contentType,
      options: { limits: options.limits, maxCommands: options.maxCommands, dialect: options.dialect },
      secrets: { known: options.headerPassword ? [options.headerPassword] : [], registered: registeredSecrets() },
    };
    worker.postMessage(request, [request.bytes.buffer as ArrayBuffer]);
  });
}
