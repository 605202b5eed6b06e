import { parentPort } from 'node:worker_threads';
import { readDocumentBytes, type WorkerReply, type WorkerRequest } from './read-document-bytes';

// Entry of the parser thread (read-in-worker.ts): one document, one answer, then terminated.
parentPort?.once('message', (request: WorkerRequest) => {
  const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
  const result = readDocumentBytes(bytes, request.contentType, request.options);
  let reply: WorkerReply;
  if (!result.error) reply = { ok: true, doc: result.doc, text: result.parsed.text, encoding: result.parsed.encoding };
  else
    reply = {
      ok: false,
      code: result.error.code,
      message: result.error.message,
      details: result.error.details,
      text: result.parsed?.text,
      encoding: result.parsed?.encoding,
    };
  parentPort!.postMessage(reply);
});
