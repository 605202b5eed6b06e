import type tls from 'node:tls';

/**
 * How long a refused client gets, in total, between the end of its handshake and the socket's
 * destruction: to send its request head, read the 403 and close its side. Bounded so that a
 * refused client cannot hold a socket.
 */
export const REFUSAL_LINGER_MS = 3_000;
/** How long to wait for the request head before answering anyway (a client that sends nothing). */
export const REFUSAL_WAIT_FOR_REQUEST_MS = 1_000;
/** Bytes of a refused client's request read (and discarded) before the socket is destroyed. */
export const REFUSAL_MAX_DISCARD_BYTES = 1024 * 1024;

const HEADERS_END = Buffer.from('\r\n\r\n');

export interface RefusalReason {
  reason: string;
  subject?: string;
}

/** One line naming the reason (and the client's own subject), nothing else of the proxy's internals. */
export function refusalText(refusal: RefusalReason): string {
  // The subject comes from the client's certificate: keep it on one line and short.
  const subject = refusal.subject?.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').slice(0, 200);
  const reason = refusal.reason.replace(/[^A-Z0-9_]/gi, '_').slice(0, 64);
  return `client certificate refused: ${reason}${subject ? ` (subject ${subject})` : ''}; the imp-bridge operator can see why in its log (event tls.client_refused)\n`;
}

export function refusalResponse(refusal: RefusalReason): Buffer {
  const body = Buffer.from(refusalText(refusal), 'utf8');
  const head = `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/**
 * What nginx does for the same problem (its "400 The SSL certificate error" page): Node cannot
 * send a TLS alert after the handshake (its OpenSSL verify callback accepts every chain), so a
 * refused client is told why in one minimal HTTP/1.1 answer on the TLS socket. The request is
 * never parsed: the bytes are only scanned for the end of the request head, so the answer does
 * not overtake a client still sending it, then discarded. After the answer the socket is ended
 * (close_notify, FIN) and read until the client closes, so that its kernel does not turn unread
 * bytes into a reset that would hide the answer; destroyed at the latest after REFUSAL_LINGER_MS.
 * Returns a function that destroys the socket at once (shutdown).
 */
export function answerRefusal(socket: tls.TLSSocket, refusal: RefusalReason): () => void {
  let answered = false;
  let discarded = 0;
  let tail = Buffer.alloc(0);
  const destroy = () => {
    clearTimeout(waitTimer);
    clearTimeout(lingerTimer);
    socket.destroy();
  };
  const answer = () => {
    if (answered || socket.destroyed) return;
    answered = true;
    clearTimeout(waitTimer);
    socket.end(refusalResponse(refusal));
  };
  const waitTimer = setTimeout(answer, REFUSAL_WAIT_FOR_REQUEST_MS);
  const lingerTimer = setTimeout(destroy, REFUSAL_LINGER_MS);
  waitTimer.unref();
  lingerTimer.unref();
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > REFUSAL_MAX_DISCARD_BYTES) return destroy();
    if (answered) return;
    const window = Buffer.concat([tail, chunk]);
    if (window.includes(HEADERS_END)) return answer();
    tail = window.subarray(Math.max(0, window.length - (HEADERS_END.length - 1)));
  });
  // The client closed its side (it read the answer, or gave up): nothing more to wait for.
  socket.on('end', () => {
    if (answered) destroy();
    else answer();
  });
  socket.on('error', destroy);
  socket.once('close', () => {
    clearTimeout(waitTimer);
    clearTimeout(lingerTimer);
  });
  // https.Server accepts sockets paused (pauseOnConnect) and only its HTTP parser resumes them.
  socket.resume();
  return destroy;
}
