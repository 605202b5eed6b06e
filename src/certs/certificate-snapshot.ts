import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CertPaths } from './cert-paths';
import type { PendingKeyInfo } from './certificate-types';
import { fingerprintOf } from './certificate-info';
import type { CertificateMaterialStore } from './material-store';
import { writeFileAtomic } from './pem';
import { replaceServerSets, type SetMeta } from './server-generations';

/** One server key + certificate + chain set and what it records about itself. */
export interface SnapshotServerSet {
  keyPem: string;
  certPem: string;
  chainPems: string[];
  meta: SetMeta;
}

/**
 * Everything that makes up the deployment's certificates, as one value: what the database keeps
 * (one versioned row) and what each instance materialises into its data dir. Trust entries and
 * CRLs are by content, not by file name: an instance names its files itself.
 */
export interface CertificateSnapshot {
  server: SnapshotServerSet;
  previous?: SnapshotServerSet;
  pending?: { keyPem: string; meta?: PendingKeyInfo };
  trust: Array<{ kind: 'anchor' | 'pin'; pem: string }>;
  /** DER, base64, by the file name the CRL store gives it (`<issuer fingerprint>.crl`). */
  crls: Array<{ name: string; der: string }>;
}

const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
const fp = (pem: string) => fingerprintOf(new X509Certificate(pem));

/** Reads the snapshot of what `material` holds now. `trusted`: fingerprints in use, kept without the import checks. */
export function readSnapshot(material: CertificateMaterialStore, trusted: ReadonlySet<string>, now: number): CertificateSnapshot {
  const server = material.readServer();
  const meta = material.currentServerMeta();
  const setOf = (s: { keyPem: string; certPem: string; chainPems: string[] }, m: SetMeta | undefined, fingerprint: string): SnapshotServerSet => ({
    keyPem: s.keyPem,
    certPem: s.certPem,
    chainPems: s.chainPems,
    meta: { action: m?.action ?? 'adopt', fingerprint, ...(m?.origin ? { origin: m.origin } : {}) },
  });
  const kept = material.previousServer();
  let previous: SnapshotServerSet | undefined;
  try {
    const p = kept?.read();
    if (p && kept) previous = setOf(p, kept.meta, p.fingerprint);
  } catch {
    previous = undefined;
  }
  const pending = material.readPending();
  return {
    server: setOf(server, meta, server.fingerprint),
    ...(previous ? { previous } : {}),
    ...(pending ? { pending: { keyPem: pending.keyPem, ...(pending.meta ? { meta: pending.meta } : {}) } } : {}),
    trust: material.readTrust({ trusted, now, onRefused: () => undefined }).map((e) => ({ kind: e.kind, pem: e.pem })),
    crls: material.listCrls().map(({ name, data }) => ({ name, der: data.toString('base64') })),
  };
}

/** Equal for equal content however it is laid out on disk (file names, line ends, trust order). */
export function snapshotDigest(s: CertificateSnapshot): string {
  const set = (x: SnapshotServerSet | undefined) => x && [fp(x.certPem), sha(x.keyPem.trim()), x.chainPems.map(fp), x.meta.origin ?? ''];
  return sha(
    JSON.stringify({
      server: set(s.server),
      previous: set(s.previous),
      pending: s.pending ? [sha(s.pending.keyPem.trim()), s.pending.meta ?? null] : null,
      trust: s.trust.map((e) => `${e.kind}:${fp(e.pem)}`).sort(),
      crls: s.crls.map((c) => `${c.name}:${sha(c.der)}`).sort(),
    }),
  );
}

/** Makes `dir` hold exactly `files` (name → content) among the names `ours` matches; writes only what differs. */
function syncDir(dir: string, ours: (name: string) => boolean, files: Map<string, string | Buffer>): void {
  const present = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => ours(n) && fs.statSync(path.join(dir, n)).isFile()) : [];
  for (const name of present) if (!files.has(name)) fs.rmSync(path.join(dir, name), { force: true });
  for (const [name, content] of files) {
    const file = path.join(dir, name);
    const same = fs.existsSync(file) && Buffer.compare(fs.readFileSync(file), Buffer.from(content)) === 0;
    if (!same) writeFileAtomic(file, content, 0o644);
  }
}

/**
 * Writes `snapshot` into this instance's data dir: the server set and its previous as
 * generations (a local generation with the same files is reused), trust and pins as one file
 * per certificate, CRLs, the pending key. The caller then reloads the TLS context from disk.
 */
export function materialiseSnapshot(paths: CertPaths, snapshot: CertificateSnapshot, current: CertificateSnapshot | undefined): void {
  const serverPart = (s: CertificateSnapshot | undefined) => s && snapshotDigest({ server: s.server, previous: s.previous, trust: [], crls: [] });
  if (serverPart(current) !== serverPart(snapshot)) {
    replaceServerSets(paths, snapshot.server, snapshot.previous);
  }
  const trustFiles = (kind: 'anchor' | 'pin') =>
    new Map(snapshot.trust.filter((e) => e.kind === kind).map((e) => [`${kind}-${fp(e.pem).slice(0, 24)}.pem`, e.pem] as [string, string]));
  syncDir(paths.trustDir, (n) => n.endsWith('.pem'), trustFiles('anchor'));
  syncDir(paths.pinDir, (n) => n.endsWith('.pem'), trustFiles('pin'));
  syncDir(
    paths.crlDir,
    (n) => n.endsWith('.crl'),
    new Map(snapshot.crls.map((c) => [path.basename(c.name), Buffer.from(c.der, 'base64')] as [string, Buffer])),
  );
  if (snapshot.pending) {
    writeFileAtomic(paths.pendingKey, snapshot.pending.keyPem, 0o600);
    if (snapshot.pending.meta) writeFileAtomic(paths.pendingMeta, `${JSON.stringify(snapshot.pending.meta, null, 2)}\n`, 0o644);
    else fs.rmSync(paths.pendingMeta, { force: true });
  } else {
    fs.rmSync(paths.pendingKey, { force: true });
    fs.rmSync(paths.pendingMeta, { force: true });
  }
}
