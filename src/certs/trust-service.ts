import { X509Certificate } from 'node:crypto';
import type { Config } from '../config/schema';
import type { Cluster } from '../domain';
import { ImpbError } from '../errors';
import type { Logger } from '../observability';
import type { Store } from '../store/port';
import { brief, type CertificateAudit } from './certificate-audit';
import { describeCertificate, fingerprintOf, normaliseFingerprintInput, type CertificateInfo } from './certificate-info';
import type { CertificateActor, TrustListItem } from './certificate-types';
import { clustersUsing, type ClientSightings } from './client-sightings';
import { crlInfo, type CrlStore } from './crl-store';
import type { CertificateMaterialStore } from './material-store';
import type { CertificateState, TlsContext } from './tls-context';
import { checkImport, diffTrust, type TrustDiff, type TrustEntry } from './trust-store';

/** The trust store: CA anchors and pinned leaves the provisioning listener accepts clients of. */
export interface TrustService {
  list(): Promise<TrustListItem[]>;
  diff(pems: string[], options?: { leaf?: boolean }): TrustDiff;
  add(
    pems: string[],
    actor: CertificateActor,
    options?: { leaf?: boolean; replace?: boolean },
  ): Promise<{ added: Array<CertificateInfo & { kind: TrustEntry['kind'] }>; removed: CertificateInfo[] }>;
  remove(fingerprint: string, actor: CertificateActor): Promise<CertificateInfo & { kind: TrustEntry['kind'] }>;
}

export interface TrustServiceDeps {
  config: Config;
  logger: Logger;
  clusters: Pick<Store['clusters'], 'list'>;
  context: TlsContext;
  material: CertificateMaterialStore;
  crls: CrlStore;
  sightings: ClientSightings;
  audit: CertificateAudit;
  now: () => number;
  /** Called after every change (the expiry check). */
  afterChange: () => void;
}

function pemFingerprint(pem: string): string | undefined {
  try {
    return fingerprintOf(new X509Certificate(pem));
  } catch {
    return undefined;
  }
}

/** Writes the new trust, drops CRLs of removed CAs, and commits. */
function applyTrust(deps: TrustServiceDeps, trust: TrustEntry[], accepted: TrustEntry[], removing: TrustEntry[]): void {
  const { context, material } = deps;
  const state = context.state();
  const options = context.build(state.server, trust);
  for (const entry of accepted) entry.file = material.writeTrust(entry);
  for (const entry of removing) {
    material.deleteTrust(entry);
    if (entry.kind === 'anchor') deps.crls.removeOrphansOf(entry, trust);
    deps.sightings.forget(entry.fingerprint);
  }
  const crls = new Map([...state.crls].filter(([fp]) => trust.some((e) => e.fingerprint === fp)));
  context.commit({ ...state, trust, crls, options });
}

async function logRemoved(deps: TrustServiceDeps, entry: TrustEntry, actor: CertificateActor, message: string, detail?: string): Promise<CertificateInfo> {
  const { logger, audit, now } = deps;
  const info = describeCertificate(entry.cert, now());
  logger.info(`trusted certificate removed: ${info.subject}${message}`, {
    event: 'cert.trust.removed',
    actor,
    fingerprint: entry.fingerprint,
    subject: info.subject,
  });
  await audit(actor, 'trust-anchor', entry.fingerprint, 'remove', { ...brief(info), kind: entry.kind }, undefined, detail);
  return info;
}

export function createTrustService(deps: TrustServiceDeps): TrustService {
  const { context, logger, audit, now } = deps;
  return {
    list: async () => listTrust(context.state(), await deps.clusters.list(), deps.sightings, now()),

    diff: (pems, options = {}) => diffTrust(pems, context.state().trust, { ...options, now: now() }),

    add(pems, actor, options = {}) {
      return context.exclusive(async () => {
        const current = context.state().trust;
        const trusted = new Set(current.map((e) => e.fingerprint));
        // With replace, the file is the whole new bundle: what it already holds is kept, the rest removed.
        const toCheck = options.replace ? pems.filter((p) => !trusted.has(pemFingerprint(p) ?? '')) : pems;
        const removing = options.replace ? current.filter((e) => !pems.some((p) => pemFingerprint(p) === e.fingerprint)) : [];
        const { accepted, refused } = checkImport(toCheck, current, { leaf: options.leaf, now: now() });
        if (refused.length) {
          throw new ImpbError(refused[0].code, {
            message: `import refused, nothing changed: ${refused.map((r) => r.reason).join('; ')}`,
            details: { refused },
          });
        }
        if (accepted.length === 0 && removing.length === 0) {
          throw new ImpbError('IMPB_ERR_CERT_DUPLICATE', { message: 'every certificate of the import is already trusted; nothing changed' });
        }
        applyTrust(deps, [...current.filter((e) => !removing.includes(e)), ...accepted], accepted, removing);
        for (const entry of accepted) {
          const info = describeCertificate(entry.cert, now());
          logger.info(`trusted ${entry.kind === 'pin' ? 'leaf pin' : 'CA'} added: ${info.subject}`, {
            event: 'cert.trust.added',
            actor,
            kind: entry.kind,
            fingerprint: entry.fingerprint,
            subject: info.subject,
            notAfter: info.notAfter,
          });
          await audit(actor, 'trust-anchor', entry.fingerprint, 'add', undefined, { ...brief(info), kind: entry.kind });
        }
        const removed: CertificateInfo[] = [];
        for (const entry of removing) removed.push(await logRemoved(deps, entry, actor, '', 'replaced by import'));
        deps.afterChange();
        return { added: accepted.map((e) => ({ ...describeCertificate(e.cert, now()), kind: e.kind })), removed };
      });
    },

    remove(fingerprint, actor) {
      return context.exclusive(async () => {
        const current = context.state().trust;
        const fp = normaliseFingerprintInput(fingerprint);
        const matches = current.filter((e) => e.fingerprint === fp || (fp.length >= 8 && e.fingerprint.startsWith(fp)));
        if (matches.length === 0) throw new ImpbError('IMPB_ERR_CERT_NOT_FOUND', { message: `no trusted certificate has the fingerprint ${fingerprint}` });
        if (matches.length > 1)
          throw new ImpbError('IMPB_ERR_VALIDATION', {
            message: `${fingerprint} matches ${matches.length} trusted certificates: give more of the fingerprint`,
          });
        const entry = matches[0];
        const trust = current.filter((e) => e !== entry);
        if (deps.config.provisioning.clientCertificate === 'required' && !trust.length) {
          throw new ImpbError('IMPB_ERR_CERT_LAST_ANCHOR', {
            message:
              'refusing to remove the last trusted certificate: every AS would be refused. Add the new CA first (imp-bridge trust add), then remove this one.',
          });
        }
        applyTrust(deps, trust, [], [entry]);
        const info = await logRemoved(deps, entry, actor, '; clients chaining to it are refused from their next handshake');
        deps.afterChange();
        return { ...info, kind: entry.kind };
      });
    },
  };
}

function listTrust(state: CertificateState, clusters: Cluster[], sightings: ClientSightings, now: number): TrustListItem[] {
  return state.trust.map((entry) => {
    const crl = state.crls.get(entry.fingerprint);
    const clients = sightings.clientsOf(entry.fingerprint);
    const lastSeen = Math.max(0, ...clients.map((c) => c.at));
    return {
      ...describeCertificate(entry.cert, now),
      kind: entry.kind,
      usedBy: clustersUsing(clusters, entry, clients),
      crl: crl ? crlInfo(entry.fingerprint, crl) : undefined,
      lastClientSeenAt: lastSeen ? new Date(lastSeen).toISOString() : undefined,
    };
  });
}
