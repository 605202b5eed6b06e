import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { crlSignedBy, parseCrl } from '../../src/certs/crl';
import { createTestCa, createTestCrl, type TestCert } from '../helpers/test-pki';
import { makeTempDir } from '../helpers/temp-dir';
import { hasOpenssl } from './cert-test-kit';

describe('CRL parsing (forge ASN.1 + OpenSSL signature check)', () => {
  let ca: TestCert;
  let other: TestCert;
  beforeAll(async () => {
    [ca, other] = await Promise.all([createTestCa('CRL CA'), createTestCa('Other CA')]);
  });

  it('reads issuer, dates and revoked serials from PEM and DER, and checks the signer', () => {
    const crl = createTestCrl(ca, ['0abc', 'ff01']);
    for (const input of [crl.pem, crl.der]) {
      const parsed = parseCrl(input);
      expect(parsed.issuer).toBe('CN=CRL CA');
      expect([...parsed.revokedSerials].sort()).toEqual(['abc', 'ff01']);
      expect(parsed.nextUpdate!.getTime()).toBeGreaterThan(parsed.thisUpdate.getTime());
      expect(crlSignedBy(parsed, new X509Certificate(ca.certPem))).toBe(true);
      expect(crlSignedBy(parsed, new X509Certificate(other.certPem))).toBe(false);
    }
  });

  it('an empty CRL has no revoked serials', () => {
    expect(parseCrl(createTestCrl(ca, []).der).revokedSerials.size).toBe(0);
  });

  it('a tampered CRL fails the signature check; garbage is refused with IMPB_ERR_CRL_INVALID', () => {
    const der = Buffer.from(createTestCrl(ca, ['01']).der);
    der[der.length - 5] ^= 0xff;
    expect(crlSignedBy(parseCrl(der), new X509Certificate(ca.certPem))).toBe(false);
    expect(() => parseCrl(Buffer.from('not a crl'))).toThrow(expect.objectContaining({ code: 'IMPB_ERR_CRL_INVALID' }));
    expect(() => parseCrl('plain text')).toThrow(expect.objectContaining({ code: 'IMPB_ERR_CRL_INVALID' }));
  });

  (hasOpenssl() ? it : it.skip)('the test CRL is one OpenSSL accepts (openssl crl -CAfile)', () => {
    const tmp = makeTempDir();
    try {
      fs.writeFileSync(path.join(tmp.dir, 'c.crl'), createTestCrl(ca, ['0abc']).pem);
      fs.writeFileSync(path.join(tmp.dir, 'ca.pem'), ca.certPem);
      const out = execFileSync('openssl', ['crl', '-in', path.join(tmp.dir, 'c.crl'), '-noout', '-text', '-CAfile', path.join(tmp.dir, 'ca.pem')], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(out).toMatch(/Serial Number: 0ABC/i);
    } finally {
      tmp.cleanup();
    }
  });
});
