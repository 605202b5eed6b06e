import { parentPort } from 'node:worker_threads';
import { registerSecret } from '../../observability';
import { documentSecrets, maskDocument } from '../mask-request';
import { readDocumentBytes, type WorkerReply, type WorkerRequest } from './read-document-bytes';

// Entry of the parser thread (read-in-worker.ts): one document, one answer, then terminated.
// The text is masked here, not on the event loop: masking 10 MB takes a few hundred ms.
parentPort?.once('message', (request: WorkerRequest) => {
  const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
  // This thread's registry is its own and empty: the process's secrets are masked here as on the main thread.
  for (const secret of request.secrets.registered) registerSecret(secret);
  const [headerPassword] = request.secrets.known;
  const result = readDocumentBytes(bytes, request.contentType, request.options);
  let reply: WorkerReply;
  if (!result.error)
    reply = {
      ok: true,
      doc: result.doc,
      masked: maskDocument(result.parsed.text, documentSecrets(result.doc, headerPassword)),
      encoding: result.parsed.encoding,
    };
  else
    reply = {
      ok: false,
      code: result.error.code,
      message: result.error.message,
      details: result.error.details,
      masked: result.parsed && maskDocument(result.parsed.text, request.secrets.known),
      encoding: result.parsed?.encoding,
    };
  parentPort!.postMessage(reply);
});
