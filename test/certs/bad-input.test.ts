import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { buildProgram } from '../../src/cli/main';
import { exitCodeFor } from '../../src/cli/exit-codes';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { createTestCa, createTestCrl, issueCert, type TestCert } from '../helpers/test-pki';
import { certApi, signCsr } from './cert-test-kit';

const GARBAGE_PEM = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
const GARBAGE_CRL = '-----BEGIN X509 CRL-----\nbm90IGEgQ1JM\n-----END X509 CRL-----\n';
const HUGE = 'A'.repeat(2_000_000);

/** Every certificate, trust and CRL route, with the bodies an operator or an attacker might send. */
describe('certificate admin routes: bad input is a 4xx with a stable code, never a 5xx', () => {
  let t: TestBridge;
  let ca: TestCert;
  let other: TestCert;
  let leafOfOther: TestCert;
  beforeAll(async () => {
    t = await startTestBridge({ provisioning: { publicHostname: 'localhost' } });
    ca = await createTestCa('Bad Input CA');
    other = await createTestCa('Unrelated CA');
    leafOfOther = await issueCert(other, { commonName: 'localhost', subjectAltNames: ['localhost'], usage: 'server' });
  });
  afterAll(async () => {
    await t.stop();
  });

  type Case = [string, 'post' | 'delete', string, unknown];
  const cases = (): Case[] => {
    const bodies: Array<[string, unknown]> = [
      ['empty', undefined],
      ['null', null],
      ['array', []],
      ['string', 'hello'],
      ['number', 42],
      ['wrong key', { certificate: 'x' }],
      ['pem as number', { pem: 12 }],
      ['pem as object', { pem: { a: 1 } }],
      ['garbage pem', { pem: GARBAGE_PEM }],
      ['text without pem', { pem: 'just text' }],
      ['garbage der', { der: 'bm90IGRlcg==' }],
      ['der not base64', { der: '%%%%' }],
      ['both pem and der', { pem: GARBAGE_PEM, der: 'AA==' }],
      ['huge pem', { pem: HUGE }],
      ['leaf as string', { pem: GARBAGE_PEM, leaf: 'yes' }],
    ];
    const out: Case[] = [];
    for (const route of ['/api/v1/trust', '/api/v1/trust/diff', '/api/v1/trust/crl']) for (const [name, body] of bodies) out.push([name, 'post', route, body]);
    out.push(['garbage crl', 'post', '/api/v1/trust/crl', { pem: GARBAGE_CRL }]);
    out.push(['certificate given as crl', 'post', '/api/v1/trust/crl', { pem: other.certPem }]);
    out.push(['crl of an untrusted ca', 'post', '/api/v1/trust/crl', { pem: createTestCrl(other, ['01']).pem }]);
    out.push(['leaf as trust anchor', 'post', '/api/v1/trust', { pem: leafOfOther.certPem }]);
    for (const [name, body] of [
      ...bodies,
      ['no certPem', { chainPem: GARBAGE_PEM }],
      ['certPem as array', { certPem: [GARBAGE_PEM] }],
      ['garbage certPem', { certPem: GARBAGE_PEM }],
      ['garbage chainPem', { certPem: leafOfOther.certPem, chainPem: GARBAGE_PEM }],
      ['mismatched chain', { certPem: leafOfOther.certPem, chainPem: ca.certPem }],
      ['certificate for no key of ours', { certPem: leafOfOther.certPem, chainPem: other.certPem }],
      ['a CRL as certificate', { certPem: createTestCrl(other, []).pem }],
      ['huge certPem', { certPem: HUGE }],
    ] as Array<[string, unknown]>) {
      out.push([name, 'post', '/api/v1/certificate/install', body]);
    }
    for (const [name, body] of [
      ...bodies,
      ['no commonName', { subjectAltNames: ['a.example.net'] }],
      ['commonName as number', { commonName: 5 }],
      ['sans as string', { commonName: 'localhost', subjectAltNames: 'DNS:localhost' }],
      ['san as number', { commonName: 'localhost', subjectAltNames: [7] }],
      ['unknown san prefix', { commonName: 'localhost', subjectAltNames: ['RID:1.2.3'] }],
      ['malformed ip', { commonName: 'localhost', subjectAltNames: ['IP:127.0.0.300'] }],
      ['ip prefix with a host name', { commonName: 'localhost', subjectAltNames: ['IP:localhost'] }],
      ['dns with spaces', { commonName: 'localhost', subjectAltNames: ['DNS:a b'] }],
      ['bad email', { commonName: 'localhost', subjectAltNames: ['email:nobody'] }],
      ['bad uri', { commonName: 'localhost', subjectAltNames: ['URI:not a uri'] }],
      ['prefixed commonName of the wrong kind', { commonName: 'email:a@b.example' }],
      ['huge san', { commonName: 'localhost', subjectAltNames: [HUGE] }],
      ['too many sans', { commonName: 'localhost', subjectAltNames: Array.from({ length: 101 }, (_, i) => `h${i}.example.net`) }],
      ['unknown key type', { commonName: 'localhost', keyType: 'dsa-512' }],
      ['ec key type', { commonName: 'localhost', keyType: 'ec-p256' }],
    ] as Array<[string, unknown]>) {
      out.push([name, 'post', '/api/v1/certificate/csr', body]);
    }
    for (const fp of ['zz', 'abc', '00000000', encodeURIComponent('%%%'), 'a'.repeat(5000)])
      out.push([`fingerprint ${fp.slice(0, 12)}`, 'delete', `/api/v1/trust/${fp}`, undefined]);
    out.push(['rollback with a body', 'post', '/api/v1/certificate/rollback', { what: 1 }]);
    return out;
  };

  it('answers every malformed body with a 4xx and an IMPB_ERR_ code', async () => {
    const api = certApi(t);
    const failures: string[] = [];
    for (const [name, method, route, body] of cases()) {
      let req = api[method](route);
      // Not an object: sent as raw JSON text ('hello' is not even JSON).
      if (body !== undefined && (typeof body !== 'object' || body === null))
        req = req.set('content-type', 'application/json').send(typeof body === 'string' ? body : JSON.stringify(body));
      else if (body !== undefined) req = req.send(body as object);
      const res = await req;
      const code = (res.body as { error?: { code?: string } })?.error?.code;
      // The diff is a preview: it may answer 200 listing what it refuses, never a 5xx.
      const previewRefusal = route.endsWith('/diff') && res.status === 200 && (res.body as { refused?: unknown[] }).refused?.length;
      if (previewRefusal) continue;
      if (res.status < 400 || res.status >= 500 || !/^IMPB_ERR_[A-Z_]+$/.test(code ?? ''))
        failures.push(`${method} ${route} (${name}): ${res.status} ${code} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  });

  it('reads OpenSSL-style SAN prefixes: DNS:, IP:, email:, URI: (any case) become typed names, and the signed certificate installs', async () => {
    const api = certApi(t);
    const csr = await api.post('/api/v1/certificate/csr').send({
      commonName: 'localhost',
      subjectAltNames: ['DNS:bridge.example.net', 'ip:127.0.0.1', 'IP:::1', 'email:ops@example.net', 'URI:https://bridge.example.net/'],
    });
    expect(csr.status).toBe(201);
    expect(csr.body.subjectAltNames).toEqual([
      'localhost',
      'bridge.example.net',
      '127.0.0.1',
      '::1',
      'email:ops@example.net',
      'URI:https://bridge.example.net/',
    ]);
    const request = forge.pki.certificationRequestFromPem(csr.body.csrPem as string);
    const ext = (
      request.getAttribute({ name: 'extensionRequest' }) as unknown as {
        extensions: Array<{ name: string; altNames: Array<{ type: number; value?: string; ip?: string }> }>;
      }
    ).extensions;
    const names = ext.find((e) => e.name === 'subjectAltName')!.altNames.map((a) => `${a.type}:${a.ip ?? a.value}`);
    expect(names).toEqual(['2:localhost', '2:bridge.example.net', '7:127.0.0.1', '7:::1', '1:ops@example.net', '6:https://bridge.example.net/']);
    // signCsr copies DNS and IP names; the e-mail and URI names are not hosts a certificate is checked for.
    const signed = signCsr(ca, csr.body.csrPem as string);
    const install = await api.post('/api/v1/certificate/install').send({ certPem: signed, chainPem: ca.certPem });
    expect({ status: install.status, error: install.body.error }).toEqual({ status: 200, error: undefined });
    expect(new X509Certificate(signed).subjectAltName).toContain('IP Address:127.0.0.1');
  });

  it('cert csr with an unknown prefix or a malformed IP exits 2 before calling the proxy', async () => {
    for (const san of ['RID:1.2.3', 'IP:999.1.1.1', 'IP:bridge.example.net']) {
      const err = await buildProgram()
        .exitOverride()
        .parseAsync(['node', 'imp-bridge', 'cert', 'csr', '--cn', 'localhost', '--san', san])
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect({ san, exit: exitCodeFor(err), message: (err as Error).message }).toEqual({
        san,
        exit: 2,
        message: expect.stringContaining('subject alternative name'),
      });
    }
  });
});
