import { ImpbError } from '../errors';
import type { Logger } from '../observability';
import type { CertificateAudit } from './certificate-audit';
import type { CertificateActor, CrlInfo } from './certificate-types';
import { crlSignedBy, parseCrl, type ParsedCrl } from './crl';
import type { CertificateMaterialStore } from './material-store';
import type { TlsContext } from './tls-context';
import type { TrustEntry } from './trust-store';

/** The CRL store: optional CRLs, one per trusted CA, checked in the client verifier. */
export interface CrlStore {
  list(): CrlInfo[];
  add(data: Buffer | string, actor: CertificateActor): Promise<CrlInfo>;
  /** The stored CRLs that a trusted CA signed. `current`: the CRLs in use, which a stored file older than them does not replace. */
  load(trust: TrustEntry[], current?: ReadonlyMap<string, ParsedCrl>): Map<string, ParsedCrl>;
  /** Deletes the stored CRLs of a removed CA, unless another trusted CA (re-issued with the same key) signs them too. */
  removeOrphansOf(entry: TrustEntry, remaining: TrustEntry[]): void;
}

export function crlInfo(issuerFingerprint: string, crl: ParsedCrl): CrlInfo {
  return {
    issuer: crl.issuer,
    issuerFingerprint,
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate?.toISOString(),
    revokedCount: crl.revokedSerials.size,
  };
}

type CrlVerdict =
  | { ok: false; why: 'no-issuer' }
  | { ok: false; why: 'older'; issuer: TrustEntry; inUse: ParsedCrl }
  | { ok: true; issuer: TrustEntry; replaces?: ParsedCrl; stale: boolean };

/** The one set of CRL checks, for `trust crl add` and for files found on disk: signed by a trusted CA, not older than the one in use, stale or not. */
export function judgeCrl(crl: ParsedCrl, trust: readonly TrustEntry[], inUse: ReadonlyMap<string, ParsedCrl> | undefined, now: number): CrlVerdict {
  const issuer = trust.find((e) => e.kind === 'anchor' && crlSignedBy(crl, e.cert));
  if (!issuer) return { ok: false, why: 'no-issuer' };
  const current = inUse?.get(issuer.fingerprint);
  if (current && current.thisUpdate.getTime() > crl.thisUpdate.getTime()) return { ok: false, why: 'older', issuer, inUse: current };
  return { ok: true, issuer, replaces: current, stale: !!crl.nextUpdate && crl.nextUpdate.getTime() < now };
}

function warnStale(logger: Logger, crl: ParsedCrl, file?: string): void {
  logger.warn('the CRL is past its nextUpdate; loaded anyway, fetch a fresh one', {
    event: 'cert.crl.stale',
    file,
    issuer: crl.issuer,
    nextUpdate: crl.nextUpdate?.toISOString(),
  });
}

/** Judges one stored CRL file and puts the CRL to use for its issuer into `into`, logging why a file is not used. */
function loadCrlFile(
  deps: { logger: Logger; now: () => number },
  file: { name: string; data: Buffer },
  trust: TrustEntry[],
  current: ReadonlyMap<string, ParsedCrl> | undefined,
  into: Map<string, ParsedCrl>,
): void {
  const { logger, now } = deps;
  const { name, data } = file;
  const crl = parseCrl(data);
  const verdict = judgeCrl(crl, trust, current, now());
  if (!verdict.ok && verdict.why === 'no-issuer') {
    logger.warn('CRL ignored: no trusted CA signed it', { event: 'cert.crl.orphan', file: name, issuer: crl.issuer });
    return;
  }
  if (!verdict.ok && verdict.why === 'older') {
    logger.error('CRL file refused: older than the CRL in use, which stays', {
      event: 'cert.crl.refused',
      file: name,
      issuer: crl.issuer,
      thisUpdate: crl.thisUpdate.toISOString(),
      inUse: verdict.inUse.thisUpdate.toISOString(),
    });
    into.set(verdict.issuer.fingerprint, verdict.inUse);
    return;
  }
  if (verdict.ok) {
    // The CRL in use was warned about when it came; only a new file is worth a warning.
    if (verdict.stale && !verdict.replaces?.der.equals(crl.der)) warnStale(logger, crl, name);
    into.set(verdict.issuer.fingerprint, crl);
  }
}

export function createCrlStore(deps: {
  context: TlsContext;
  material: CertificateMaterialStore;
  logger: Logger;
  audit: CertificateAudit;
  now: () => number;
}): CrlStore {
  const { context, material, logger, audit, now } = deps;
  return {
    list: () => [...context.state().crls.entries()].map(([fp, crl]) => crlInfo(fp, crl)),

    load(trust, current) {
      const crls = new Map<string, ParsedCrl>();
      for (const { name, data } of material.listCrls()) {
        try {
          loadCrlFile(deps, { name, data }, trust, current, crls);
        } catch (err) {
          logger.error('CRL ignored: cannot be read', { event: 'cert.crl.invalid', file: name, err });
        }
      }
      return crls;
    },

    removeOrphansOf(entry, remaining) {
      for (const { name, data } of material.listCrls()) {
        try {
          const crl = parseCrl(data);
          if (crlSignedBy(crl, entry.cert) && !remaining.some((e) => e.kind === 'anchor' && crlSignedBy(crl, e.cert))) material.deleteCrl(name);
        } catch {
          // An unreadable CRL is left for the operator; load() logs it.
        }
      }
    },

    add(data, actor) {
      return context.exclusive(async () => {
        const crl = parseCrl(data);
        const state = context.state();
        const verdict = judgeCrl(crl, state.trust, state.crls, now());
        if (!verdict.ok && verdict.why === 'no-issuer') {
          throw new ImpbError('IMPB_ERR_CRL_INVALID', { message: `no trusted CA signed this CRL (issuer ${crl.issuer}): add the CA first, or check the file` });
        }
        if (!verdict.ok)
          throw new ImpbError('IMPB_ERR_CRL_INVALID', {
            message: `a newer CRL of ${crl.issuer} is already loaded (thisUpdate ${verdict.why === 'older' ? verdict.inUse.thisUpdate.toISOString() : '?'})`,
          });
        if (verdict.stale) warnStale(logger, crl);
        const issuerFp = verdict.issuer.fingerprint;
        material.writeCrl(issuerFp, crl.der);
        context.commit({ ...state, crls: new Map(state.crls).set(issuerFp, crl), options: state.options });
        const info = crlInfo(issuerFp, crl);
        logger.info(`CRL loaded for ${crl.issuer}: ${info.revokedCount} revoked`, { event: 'cert.crl.added', actor, ...info });
        await audit(actor, 'crl', issuerFp, verdict.replaces ? 'replace' : 'add', verdict.replaces ? crlInfo(issuerFp, verdict.replaces) : undefined, info);
        return info;
      });
    },
  };
}
