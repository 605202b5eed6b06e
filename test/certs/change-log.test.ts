import { X509Certificate } from 'node:crypto';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { createTestCa, createTestCrl, type TestCert } from '../helpers/test-pki';
import { ACTOR_HEADER } from '../../src/admin/routes/certificate-routes';
import { certApi, signCsr } from './cert-test-kit';

/** Every certificate change made through the admin API or the CLI is one info line naming who made it. */
describe('certificate changes are logged at info with the actor', () => {
  let t: TestBridge;
  let ca: TestCert;
  beforeAll(async () => {
    t = await startTestBridge({ provisioning: { publicHostname: 'localhost' } });
    ca = await createTestCa('Change Log CA');
  });
  afterAll(() => t.stop());

  const lineFor = (event: string, from: number) => t.logs.slice(from).find((l) => l.event === event);

  it.each([
    ['admin-api', undefined],
    ['cli', 'cli'],
  ])('as %s: trust add, CRL add, CSR, install, rollback, renew, trust remove', async (actor, header) => {
    const api = certApi(t);
    const send = (req: ReturnType<typeof api.post>) => (header ? req.set(ACTOR_HEADER, header) : req);
    const steps: Array<[string, () => Promise<{ status: number }>]> = [
      ['cert.trust.added', () => send(api.post('/api/v1/trust')).send({ pem: ca.certPem })],
      ['cert.crl.added', () => send(api.post('/api/v1/trust/crl')).send({ pem: createTestCrl(ca, ['0a']).pem })],
      ['cert.csr.created', () => send(api.post('/api/v1/certificate/csr')).send({ commonName: 'localhost' })],
    ];
    for (const [event, run] of steps) {
      const from = t.logs.length;
      const res = await run();
      expect(res.status).toBeLessThan(300);
      expect({ event, line: lineFor(event, from) }).toEqual({ event, line: expect.objectContaining({ level: 'info', actor }) });
    }
    // Install the CSR's certificate, roll back, renew, remove the CA: each an activation or removal line with the actor.
    const pendingCsr = await send(api.post('/api/v1/certificate/csr')).send({ commonName: 'localhost' });
    for (const [event, run] of [
      [
        'cert.server.activated',
        () => send(api.post('/api/v1/certificate/install')).send({ certPem: signCsr(ca, pendingCsr.body.csrPem as string), chainPem: ca.certPem }),
      ],
      ['cert.server.activated', () => send(api.post('/api/v1/certificate/rollback'))],
      ['cert.server.activated', () => send(api.post('/api/v1/certificate/renew-self-signed'))],
      [
        'cert.trust.removed',
        () =>
          header
            ? api.delete(`/api/v1/trust/${encodeURIComponent(fingerprint(ca))}`).set(ACTOR_HEADER, header)
            : api.delete(`/api/v1/trust/${fingerprint(ca)}`),
      ],
    ] as Array<[string, () => Promise<{ status: number; body: unknown }>]>) {
      const from = t.logs.length;
      const res = await run();
      expect({ event, status: res.status, body: res.status < 300 ? undefined : res.body }).toEqual({ event, status: expect.any(Number), body: undefined });
      expect({ event, line: lineFor(event, from) }).toEqual({ event, line: expect.objectContaining({ level: 'info', actor }) });
    }
  });
});

/** As openssl prints it (colons, upper case): the API accepts any spelling. */
function fingerprint(ca: TestCert): string {
  return new X509Certificate(ca.certPem).fingerprint256;
}
