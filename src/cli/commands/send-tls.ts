import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import { ImpbError } from '../../errors';

export interface TlsFiles {
  cert?: string;
  key?: string;
  ca?: string;
}

const fail = (message: string, cause?: unknown) => new ImpbError('IMPB_ERR_VALIDATION', { message, cause });

export function readFileOrFail(file: string, what: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? (err as Error).message);
    throw fail(`${flag} ${file}: cannot read the ${what} (${why})`, err);
  }
}

const isCertificate = (pem: Buffer) => {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
};
const isPrivateKey = (pem: Buffer) => {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
};

/**
 * Reads and checks --cert, --key and --ca before any connection, so a mistake is named by
 * its flag and file (not a PEM, certificate and key swapped, key of another certificate)
 * instead of surfacing as an OpenSSL error string.
 */
export function loadClientTls(files: TlsFiles): { cert?: Buffer; key?: Buffer; ca?: Buffer } {
  const cert = files.cert ? readFileOrFail(files.cert, 'client certificate', '--cert') : undefined;
  const key = files.key ? readFileOrFail(files.key, 'client key', '--key') : undefined;
  const ca = files.ca ? readFileOrFail(files.ca, 'CA certificate', '--ca') : undefined;
  if (cert && key && !isCertificate(cert) && isPrivateKey(cert) && isCertificate(key)) {
    throw fail(`--cert ${files.cert} holds a private key and --key ${files.key} a certificate: the two are swapped`);
  }
  if (cert && !isCertificate(cert)) throw fail(`--cert ${files.cert} is not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  if (key && !isPrivateKey(key))
    throw fail(`--key ${files.key} is not a PEM private key (expected -----BEGIN PRIVATE KEY----- or an RSA/EC key; encrypted keys are not supported)`);
  if (ca && !isCertificate(ca)) throw fail(`--ca ${files.ca} is not a PEM certificate: give the proxy's server certificate or the CA that signed it`);
  if (cert && !key) throw fail('--cert without --key: give the private key of the client certificate too');
  if (key && !cert) throw fail('--key without --cert: give the client certificate too');
  if (cert && key && !new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
    throw fail(`--key ${files.key} is not the key of --cert ${files.cert}: give the key the certificate was issued for`);
  }
  return { cert, key, ca };
}

const UNTRUSTED_SERVER = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
]);

/** The connection failure in the operator's words: which flag to change and how. */
export function explainSendError(err: unknown, url: string, files: TlsFiles): ImpbError | undefined {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code && e.code !== 'UND_ERR_SOCKET' ? e.code : (e.cause?.code ?? e.code);
  const detail = `${e.message ?? ''} ${e.cause?.message ?? ''}`;
  let message: string | undefined;
  if (code && UNTRUSTED_SERVER.has(code)) {
    message = files.ca
      ? `the server certificate of ${url} is not signed by --ca ${files.ca} (${code}): give the proxy's server certificate (<dataDir>/certs/server.crt) or its CA`
      : `the server certificate of ${url} is not trusted (${code}): add --ca with the proxy's server certificate (<dataDir>/certs/server.crt) or its CA`;
  } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    message = `the server certificate does not name the host of --url ${url}: use a host name it carries (imp-bridge cert show lists them), e.g. localhost`;
  } else if (code === 'CERT_HAS_EXPIRED') {
    message = `the server certificate of ${url} has expired: renew it on the proxy (imp-bridge cert renew-self-signed or cert install)`;
  } else if (
    /alert (certificate required|unknown ca|bad certificate|certificate unknown|handshake failure)/i.test(detail) ||
    code === 'ECONNRESET' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'EPIPE'
  ) {
    message = files.cert
      ? `the proxy closed the connection during the TLS handshake: it refused the client certificate --cert ${files.cert} (not signed by a CA it trusts, see imp-bridge trust list; expired; revoked; or not allowed by the template's cluster)`
      : `the proxy asks for a client certificate: add --cert and --key (the development one is in <dataDir>/certs/dev-client/)`;
  } else if (code === 'ECONNREFUSED') {
    message = `nothing listens at ${url} (connection refused): is the proxy running, and is the port in --url its provisioning.port?`;
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    message = `the host of --url ${url} does not resolve`;
  } else if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    message = `no answer from ${url} within --timeout`;
  } else if (code === 'ERR_INVALID_URL' || code === 'ERR_INVALID_ARG_VALUE' || /invalid url/i.test(detail)) {
    message = `--url ${url} is not a URL: expected https://host:port/provisioning/v1/<template>`;
  }
  return message
    ? new ImpbError(code === 'ERR_INVALID_URL' ? 'IMPB_ERR_VALIDATION' : 'IMPB_ERR_SEND_CONNECTION', { message, cause: err, details: { code } })
    : undefined;
}
