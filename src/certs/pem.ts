import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits a PEM bundle (or reads one DER certificate) into PEM certificates. */
export function splitCertificates(data: Buffer | string): string[] {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  const pems = text.match(PEM_CERT);
  if (pems) return pems.map((p) => `${p.replace(/\r\n/g, '\n')}\n`);
  if (typeof data !== 'string') {
    // DER: let OpenSSL parse it, then re-encode as PEM.
    return [new X509Certificate(data).toString()];
  }
  return [];
}

/** Writes a file atomically (temp file + rename) with the given mode. */
export function writeFileAtomic(file: string, content: string | Buffer, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, content, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}
