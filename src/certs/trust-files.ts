import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CertPaths } from './cert-paths';
import { fingerprintOf } from './certificate-info';
import { splitCertificates, writeFileAtomic } from './pem';
import { checkImport, type TrustEntry, type TrustReadOptions } from './trust-store';

/** Trusted certificates as PEM files: anchors in certs/trust (bundle files too), pins in certs/trust/pins. */

function pemFingerprint(pem: string): string | undefined {
  try {
    return fingerprintOf(new X509Certificate(pem));
  } catch {
    return undefined;
  }
}

function readEntries(dir: string, kind: TrustEntry['kind'], options: TrustReadOptions): TrustEntry[] {
  if (!fs.existsSync(dir)) return [];
  const entries: TrustEntry[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.endsWith('.pem')) continue;
    const file = path.join(dir, name);
    let pems: string[];
    try {
      pems = splitCertificates(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      options.onRefused(file, `cannot be read: ${(err as Error).message}`);
      continue;
    }
    // The same checks as `trust add`, so a file written by another tool cannot trust what the CLI would refuse;
    // parsed before it reaches Node too: createSecureContext accepts garbage anchors silently (E7).
    const fresh = pems.filter((pem) => !options.trusted.has(pemFingerprint(pem) ?? ''));
    const problems = checkImport(fresh, [], { leaf: kind === 'pin', now: options.now }).refused.filter((r) => r.code !== 'IMPB_ERR_CERT_DUPLICATE');
    if (problems.length) {
      options.onRefused(file, problems.map((r) => r.reason).join('; '));
      continue;
    }
    for (const pem of pems) {
      const cert = new X509Certificate(pem);
      entries.push({ kind, pem, cert, fingerprint: fingerprintOf(cert), file });
    }
  }
  return entries;
}

/** Every anchor in the trust dir (bundle files included) and every pinned leaf, minus refused files. */
export function readTrustEntries(paths: CertPaths, options: TrustReadOptions): TrustEntry[] {
  const seen = new Set<string>();
  return [...readEntries(paths.trustDir, 'anchor', options), ...readEntries(paths.pinDir, 'pin', options)].filter(
    (e) => !seen.has(e.fingerprint) && seen.add(e.fingerprint),
  );
}

/** One file per entry, named after its fingerprint, written atomically. */
export function writeTrustEntry(paths: CertPaths, entry: TrustEntry): string {
  const dir = entry.kind === 'pin' ? paths.pinDir : paths.trustDir;
  const file = path.join(dir, `${entry.kind}-${entry.fingerprint.slice(0, 24)}.pem`);
  writeFileAtomic(file, entry.pem, 0o644);
  return file;
}

/** Removes an entry; a bundle file holding others is rewritten without it. */
export function deleteTrustEntry(entry: TrustEntry): void {
  const rest = splitCertificates(fs.readFileSync(entry.file, 'utf8')).filter((pem) => fingerprintOf(new X509Certificate(pem)) !== entry.fingerprint);
  if (rest.length === 0) fs.rmSync(entry.file, { force: true });
  else writeFileAtomic(entry.file, rest.join(''), 0o644);
}
