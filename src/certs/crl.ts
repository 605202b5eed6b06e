import { verify as cryptoVerify, type X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { ImpbError } from '../errors';

/**
 * Certificate revocation lists, parsed by hand: node:crypto cannot read CRLs and node-forge
 * has no CRL parser, so the DER is read with forge's ASN.1 module and the signature is
 * checked by OpenSSL (crypto.verify over the exact tbsCertList bytes).
 */
export interface ParsedCrl {
  der: Buffer;
  issuer: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Revoked serial numbers: lower-case hex without leading zeros. */
  revokedSerials: Set<string>;
  /** The exact DER bytes the signature covers. */
  tbsDer: Buffer;
  signatureAlgorithmOid: string;
  signature: Buffer;
}

const DIGEST_BY_OID: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
  '1.3.101.113': null,
};

const PEM_CRL = /-----BEGIN X509 CRL-----([\s\S]+?)-----END X509 CRL-----/;

function invalid(message: string, cause?: unknown): ImpbError {
  return new ImpbError('IMPB_ERR_CRL_INVALID', { message, cause });
}

/** PEM text or DER bytes → DER. */
export function crlToDer(data: Buffer | string): Buffer {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  const pem = PEM_CRL.exec(text);
  if (pem) return Buffer.from(pem[1].replace(/\s+/g, ''), 'base64');
  if (typeof data === 'string') throw invalid('not a CRL: expected "-----BEGIN X509 CRL-----" PEM or DER bytes');
  return data;
}

/** Length of the DER element starting at `offset` (header + content). */
function derElementLength(der: Buffer, offset: number): { headerLength: number; total: number } {
  const first = der[offset + 1];
  if (first === undefined) throw invalid('truncated DER');
  if (first < 0x80) return { headerLength: 2, total: 2 + first };
  const n = first & 0x7f;
  if (n === 0 || n > 4) throw invalid('unsupported DER length encoding');
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[offset + 2 + i];
  return { headerLength: 2 + n, total: 2 + n + len };
}

function serialHex(bytes: string): string {
  const hex = Buffer.from(bytes, 'binary').toString('hex').replace(/^0+/, '');
  return hex || '0';
}

export function normaliseSerial(serial: string): string {
  return (
    serial
      .replace(/[^0-9a-f]/gi, '')
      .toLowerCase()
      .replace(/^0+/, '') || '0'
  );
}

function asn1Time(node: forge.asn1.Asn1): Date {
  const value = node.value as string;
  if (node.type === forge.asn1.Type.UTCTIME) return forge.asn1.utcTimeToDate(value);
  if (node.type === forge.asn1.Type.GENERALIZEDTIME) return forge.asn1.generalizedTimeToDate(value);
  throw invalid('expected a time value');
}

function isTime(node: forge.asn1.Asn1 | undefined): boolean {
  return !!node && node.tagClass === forge.asn1.Class.UNIVERSAL && (node.type === forge.asn1.Type.UTCTIME || node.type === forge.asn1.Type.GENERALIZEDTIME);
}

function nameToString(name: forge.asn1.Asn1): string {
  const parts: string[] = [];
  for (const rdn of name.value as forge.asn1.Asn1[]) {
    for (const attr of rdn.value as forge.asn1.Asn1[]) {
      const [oidNode, valueNode] = attr.value as forge.asn1.Asn1[];
      const oid = forge.asn1.derToOid(oidNode.value as string);
      const short: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST' };
      const label = short[oid] ?? forge.pki.oids[oid] ?? oid;
      parts.push(`${label}=${typeof valueNode?.value === 'string' ? forge.util.decodeUtf8(valueNode.value) : '?'}`);
    }
  }
  return parts.join(', ');
}

export function parseCrl(data: Buffer | string): ParsedCrl {
  const der = crlToDer(data);
  let root: forge.asn1.Asn1;
  try {
    // The typings know only the boolean form; the options object exists since forge 0.10.
    const fromDer = forge.asn1.fromDer as unknown as (
      bytes: forge.util.ByteStringBuffer,
      options: { strict: boolean; decodeBitStrings: boolean },
    ) => forge.asn1.Asn1;
    root = fromDer(forge.util.createBuffer(der.toString('binary')), { strict: true, decodeBitStrings: false });
  } catch (err) {
    throw invalid(`not a CRL: ${(err as Error).message}`, err);
  }
  const top = root.value as forge.asn1.Asn1[];
  if (!Array.isArray(top) || top.length !== 3) throw invalid('not a CRL: expected tbsCertList, signatureAlgorithm, signature');
  const [tbs, sigAlg, sigValue] = top as [forge.asn1.Asn1, forge.asn1.Asn1, forge.asn1.Asn1];

  const outer = derElementLength(der, 0);
  const tbsLen = derElementLength(der, outer.headerLength);
  const tbsDer = der.subarray(outer.headerLength, outer.headerLength + tbsLen.total);

  const fields = tbs.value as forge.asn1.Asn1[];
  let i = 0;
  if (fields[i]?.type === forge.asn1.Type.INTEGER && fields[i]?.tagClass === forge.asn1.Class.UNIVERSAL) i++;
  i++; // inner signature algorithm
  const issuerNode = fields[i++];
  if (!issuerNode) throw invalid('CRL has no issuer');
  const thisUpdateNode = fields[i++];
  if (!isTime(thisUpdateNode)) throw invalid('CRL has no thisUpdate');
  const thisUpdate = asn1Time(thisUpdateNode);
  let nextUpdate: Date | undefined;
  if (isTime(fields[i])) nextUpdate = asn1Time(fields[i++]);

  const revokedSerials = new Set<string>();
  const maybeRevoked = fields[i];
  if (maybeRevoked && maybeRevoked.tagClass === forge.asn1.Class.UNIVERSAL && maybeRevoked.type === forge.asn1.Type.SEQUENCE) {
    for (const entry of maybeRevoked.value as forge.asn1.Asn1[]) {
      const serial = (entry.value as forge.asn1.Asn1[])[0];
      if (!serial || serial.type !== forge.asn1.Type.INTEGER) throw invalid('CRL entry without a serial number');
      revokedSerials.add(serialHex(serial.value as string));
    }
  }

  const algOid = forge.asn1.derToOid((sigAlg.value as forge.asn1.Asn1[])[0].value as string);
  const bits = sigValue.value as string;
  const signature = Buffer.from(bits.slice(1), 'binary');
  return {
    der,
    issuer: nameToString(issuerNode),
    thisUpdate,
    nextUpdate,
    revokedSerials,
    tbsDer: Buffer.from(tbsDer),
    signatureAlgorithmOid: algOid,
    signature,
  };
}

/** True when `issuer`'s key signed the CRL (checked by OpenSSL). */
export function crlSignedBy(crl: ParsedCrl, issuer: X509Certificate): boolean {
  if (!(crl.signatureAlgorithmOid in DIGEST_BY_OID)) {
    throw invalid(`unsupported CRL signature algorithm ${crl.signatureAlgorithmOid}`);
  }
  try {
    return cryptoVerify(DIGEST_BY_OID[crl.signatureAlgorithmOid] ?? null, crl.tbsDer, issuer.publicKey, crl.signature);
  } catch {
    return false;
  }
}
