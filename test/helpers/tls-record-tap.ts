import { startTcpProxy } from './tcp-proxy';

export interface TlsRecordTap {
  port: number;
  /** TLS records the server has sent so far (counted from their 5-byte record headers). */
  serverRecords(): number;
  close(): Promise<void>;
}

/** A loopback TCP proxy that counts the TLS records a server sends, so a test can see how many records one answer took. */
export async function startTlsRecordTap(target: { host: string; port: number }): Promise<TlsRecordTap> {
  let records = 0;
  const countRecords = () => {
    let pending = Buffer.alloc(0);
    return (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
        records++;
        pending = pending.subarray(5 + pending.readUInt16BE(3));
      }
    };
  };
  const proxy = await startTcpProxy(target, { tapServer: countRecords });
  return { port: proxy.port, serverRecords: () => records, close: proxy.close };
}
