import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import tls from 'node:tls';
import forge from 'node-forge';
import supertest from 'supertest';
import { Agent, request } from 'undici';
import { readAdminToken } from '../../src/admin/admin-token';
import { buildCertificate, certPaths } from '../../src/certs';
import type { TestBridge } from '../helpers/start-bridge';
import type { TestCert } from '../helpers/test-pki';

/** The real admin API of a running test bridge (/api/v1 over its socket), with the admin token. */
export function certApi(t: TestBridge) {
  const token = readAdminToken(t.bridge.parts.config);
  const auth = (req: supertest.Test) => req.set('authorization', `Bearer ${token}`);
  const api = supertest(t.adminUrl);
  return {
    get: (urlPath: string) => auth(api.get(urlPath)),
    post: (urlPath: string) => auth(api.post(urlPath)),
    delete: (urlPath: string) => auth(api.delete(urlPath)),
  };
}

/** A client's certificate and key, as TestCert ({certPem, keyPem}) or as read from files ({cert, key}). */
export type ClientMaterial = { cert?: string; key?: string } | TestCert;

function tlsClient(client: ClientMaterial): { cert?: string; key?: string } {
  return 'certPem' in client ? { cert: client.certPem, key: client.keyPem } : client;
}

/** The server certificate's trust for clients: the current self-signed one plus any extra CAs. */
export function serverTrust(t: TestBridge, extra: string[] = []): string[] {
  return [fs.readFileSync(certPaths(t.dataDir).serverCert, 'utf8'), ...extra];
}

/**
 * One request on a brand-new connection: the status code and body, or the socket error (a
 * refused client gets a 403 naming the reason instead, see provisioning-listener.ts).
 */
export async function freshRequest(
  t: TestBridge,
  client: ClientMaterial,
  ca: string[] = serverTrust(t),
): Promise<{ status?: number; error?: string; body?: string }> {
  const agent = new Agent({ connect: { ca, ...tlsClient(client) }, pipelining: 0 });
  try {
    const res = await request(`${t.provisioningUrl}/cert-test`, { dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 });
    const body = await res.body.text();
    return { status: res.statusCode, body };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? (err as Error).message };
  } finally {
    await agent.close().catch(() => undefined);
  }
}

/** The SHA-256 fingerprint (lower-case hex) of the certificate a new TLS connection is shown. */
export function presentedFingerprint(t: TestBridge, client: ClientMaterial): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port: t.bridge.provisioningAddress.port, servername: 'localhost', rejectUnauthorized: false, ...tlsClient(client) },
      () => {
        const fp = socket.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase();
        socket.destroy();
        resolve(fp);
      },
    );
    socket.once('error', reject);
  });
}

/** Signs a CSR with a test CA (public key and names taken from the CSR), as a real CA would. */
export function signCsr(ca: TestCert, csrPem: string, options: { validDays?: number; notAfter?: Date } = {}): string {
  const csr = forge.pki.certificationRequestFromPem(csrPem);
  const cn = csr.subject.getField('CN')?.value as string;
  const ext = (
    csr.getAttribute({ name: 'extensionRequest' }) as unknown as {
      extensions?: Array<{ name: string; altNames?: Array<{ value?: string; ip?: string }> }>;
    } | null
  )?.extensions;
  const sans = ext?.find((e) => e.name === 'subjectAltName')?.altNames?.map((a) => a.ip ?? a.value ?? '') ?? [cn];
  return buildCertificate(
    { commonName: cn, subjectAltNames: sans, validDays: options.validDays ?? 90, notAfter: options.notAfter, usage: 'server' },
    forge.pki.publicKeyToPem(csr.publicKey!),
    { certificatePem: ca.certPem, privateKeyPem: ca.keyPem },
  );
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Whether the openssl binary is on this machine (tests that shell out to it skip otherwise). */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Asserts the answer a refused client gets since issue 12 §7: a 403 whose one-line body names
 * the reason code (and the subject of the client's certificate, when it sent one).
 */
/** What OpenSSL reports for a client whose chain reaches no trusted anchor (it sent its leaf only). */
export const UNKNOWN_CA = /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_GET_ISSUER_CERT/;

export function expectRefused(outcome: { status?: number; body?: string; error?: string }, reason: string | RegExp, subject?: string): void {
  expect(outcome).toMatchObject({ status: 403 });
  const named = typeof reason === 'string' ? reason : `(${reason.source})`;
  expect(outcome.body).toMatch(new RegExp(`^client certificate refused: ${named}[ ;]`));
  expect(outcome.body).toContain('event tls.client_refused');
  if (subject) expect(outcome.body).toContain(subject);
}
