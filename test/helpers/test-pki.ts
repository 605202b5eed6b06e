import { sign } from 'node:crypto';
import forge from 'node-forge';
import { buildCertificate, generateKey, type CertificateSpec } from '../../src/certs';

export interface TestCert {
  certPem: string;
  keyPem: string;
}

/**
 * Throw-away PKI for tests: a CA and certificates it signs. RSA-2048 keys are generated
 * once per process and reused (key generation dominates test time otherwise).
 */
let sharedKey: Promise<string> | undefined;
export async function testKey(): Promise<string> {
  sharedKey ??= generateKey('rsa-2048').then((k) => k.privateKeyPem);
  return sharedKey;
}

export async function createTestCa(commonName = 'Test CA', validDays = 30, spec: Partial<CertificateSpec> = {}): Promise<TestCert> {
  const keyPem = (await generateKey('rsa-2048')).privateKeyPem;
  const certPem = buildCertificate({ commonName, validDays, usage: 'ca', isCa: true, ...spec }, keyPem);
  return { certPem, keyPem };
}

export async function issueCert(
  ca: TestCert,
  spec: Partial<CertificateSpec> & { commonName: string },
  options: { freshKey?: boolean; keyPem?: string } = {},
): Promise<TestCert> {
  const keyPem = options.keyPem ?? (options.freshKey ? (await generateKey('rsa-2048')).privateKeyPem : await testKey());
  const certPem = buildCertificate({ validDays: 30, usage: 'client', ...spec }, keyPem, { certificatePem: ca.certPem, privateKeyPem: ca.keyPem });
  return { certPem, keyPem };
}

/**
 * A v2 CRL signed by `ca` (SHA-256 with RSA), revoking the given serials (hex). node-forge
 * cannot make CRLs, so the ASN.1 is assembled by hand; OpenSSL reads the result.
 */
export function createTestCrl(ca: TestCert, revokedSerialsHex: string[], options: { thisUpdate?: Date; nextUpdate?: Date } = {}): { der: Buffer; pem: string } {
  const { asn1 } = forge;
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const algorithm = () =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(forge.pki.oids.sha256WithRSAEncryption!).getBytes()),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
    ]);
  const time = (d: Date) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(d));
  const integer = (hex: string) => {
    let bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
    if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, bytes.toString('binary'));
  };
  const thisUpdate = options.thisUpdate ?? new Date(Date.now() - 60_000);
  const nextUpdate = options.nextUpdate ?? new Date(Date.now() + 7 * 86_400_000);
  const fields = [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(1)),
    algorithm(),
    forge.pki.distinguishedNameToAsn1(caCert.subject),
    time(thisUpdate),
    time(nextUpdate),
  ];
  if (revokedSerialsHex.length) {
    fields.push(
      asn1.create(
        asn1.Class.UNIVERSAL,
        asn1.Type.SEQUENCE,
        true,
        revokedSerialsHex.map((s) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [integer(s), time(thisUpdate)])),
      ),
    );
  }
  const tbs = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, fields);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, ca.keyPem);
  const crl = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithm(),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\u0000${signature.toString('binary')}`),
  ]);
  const der = Buffer.from(asn1.toDer(crl).getBytes(), 'binary');
  const pem = `-----BEGIN X509 CRL-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END X509 CRL-----\n`;
  return { der, pem };
}
