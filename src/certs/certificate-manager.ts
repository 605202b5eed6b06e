import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Config, KeyType } from '../config/schema';
import { matchesClusterIdentity, clusterHasIdentityRules, normaliseFingerprint, type ClientIdentity } from '../domain/client-identity';
import type { Cluster } from '../domain';
import { ImpbError } from '../errors';
import type { Logger } from '../observability';
import type { Store } from '../store/port';
import { buildCertificate } from './build-certificate';
import type { CertPaths } from './cert-paths';
import { describeCertificate, fingerprintOf, isSelfSigned, normaliseFingerprintInput, notAfterMs, type CertificateInfo } from './certificate-info';
import { createClientVerifier, type ClientVerifier, type TrustSnapshot } from './client-verifier';
import { crlSignedBy, parseCrl, type ParsedCrl } from './crl';
import { buildCsr } from './csr';
import { formatSubjectAltName, parseSubjectAltName } from './subject-alt-name';
import { createExpiryMonitor, type ExpiryStatus, type WatchedCertificate } from './expiry-monitor';
import { defaultServerNames } from './first-start';
import { generateKey } from './keys';
import { writeFileAtomic } from './pem';
import { assembleServerMaterial, chainWarnings, checkHostnames, checkValidity, keyMatches, nameCovers, readServerMaterial, type ServerMaterial } from './server-certificate';
import { createServerGenerations, type AfterFsStep, type ServerOrigin } from './server-generations';
import { SELF_SIGNED_ORGANIZATION, serverOrigin } from './server-origin';
import { buildTlsPolicy, dryRunSecureContext, type ProvisioningTlsOptions } from './tls-policy';
import { checkImport, deleteTrustEntry, diffTrust, readTrustEntries, writeTrustEntry, type TrustDiff, type TrustEntry } from './trust-store';

/** Who changed certificates, for the audit trail. */
export type CertificateActor = 'cli' | 'admin-api' | 'system' | 'file-watch';

export interface TrustListItem extends CertificateInfo {
  kind: 'anchor' | 'pin';
  /** Clusters whose fingerprint rules name this pin, or whose rules or addresses match a client seen chaining to it. */
  usedBy: string[];
  crl?: CrlInfo;
  lastClientSeenAt?: string;
}

export interface CrlInfo {
  issuer: string;
  issuerFingerprint: string;
  thisUpdate: string;
  nextUpdate?: string;
  revokedCount: number;
}

export interface ServerCertificateView extends CertificateInfo {
  kind: 'self-signed' | 'ca-signed';
  /** `generated`: the proxy's own default, renewed automatically; `installed`: given to it, replaced by the operator. */
  origin: ServerOrigin;
  chain: CertificateInfo[];
  pending?: PendingKeyInfo;
  previous?: { fingerprint: string; subject: string; notAfter: string };
}

export interface PendingKeyInfo {
  commonName: string;
  subjectAltNames: string[];
  keyType: KeyType;
  createdAt: string;
}

export interface InstallResult {
  certificate: CertificateInfo;
  previousFingerprint: string;
  usedKey: 'pending' | 'current';
  warnings: string[];
}

export interface CertificateManagerDeps {
  config: Config;
  logger: Logger;
  store: Pick<Store, 'audit' | 'settings' | 'clusters'>;
  metrics: Registry;
  paths: CertPaths;
  now?: () => number;
  /** Test seam: called after each filesystem step of an activation; throwing there simulates a crash. */
  afterFsStep?: AfterFsStep;
}

const KIND_SETTING = 'certs.server.kind';
const SEEN_PER_ANCHOR = 50;

interface State {
  server: ServerMaterial;
  trust: TrustEntry[];
  crls: Map<string, ParsedCrl>;
  options: ProvisioningTlsOptions;
}

export type CertificateManager = Awaited<ReturnType<typeof createCertificateManager>>;

/**
 * Owns the server certificate, trust anchors and CRLs of the provisioning listener. Every
 * change is validated and dry-run in memory first, then written (temp file + rename), then
 * handed to the listener as one new full secure context; a refused change leaves everything
 * as it was. Changes are serialised.
 */
export async function createCertificateManager(deps: CertificateManagerDeps) {
  const { config, logger, paths } = deps;
  const now = deps.now ?? Date.now;
  const listeners: Array<(options: ProvisioningTlsOptions) => void> = [];
  const seen = new Map<string, Map<string, ClientIdentity & { at: number }>>();
  const expiry = createExpiryMonitor({ tls: config.tls, logger, metrics: deps.metrics, now });
  let lastExpiry: ExpiryStatus[] = [];

  const verifier: ClientVerifier = createClientVerifier({
    trust: () => snapshot,
    now,
    onVerified(anchor, identity) {
      let clients = seen.get(anchor);
      if (!clients) seen.set(anchor, (clients = new Map()));
      const key = identity.fingerprint256 ?? '';
      clients.delete(key);
      clients.set(key, { ...identity, at: now() });
      if (clients.size > SEEN_PER_ANCHOR) clients.delete(clients.keys().next().value!);
    },
  });

  function trustSnapshot(trust: TrustEntry[], crls: Map<string, ParsedCrl>): TrustSnapshot {
    return {
      anchors: new Set(trust.filter((e) => e.kind === 'anchor').map((e) => e.fingerprint)),
      pins: new Map(trust.filter((e) => e.kind === 'pin').map((e) => [e.fingerprint, { notBefore: Date.parse(e.cert.validFrom), notAfter: notAfterMs(e.cert) }])),
      crls,
    };
  }

  function policyFor(server: ServerMaterial, trust: TrustEntry[]): ProvisioningTlsOptions {
    const options = buildTlsPolicy(config.tls, { keyPem: server.keyPem, certPem: server.certPem, chainPems: server.chainPems, trustPems: trust.map((e) => e.pem) }, verifier);
    try {
      dryRunSecureContext(options);
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new ImpbError(code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' ? 'IMPB_ERR_CERT_KEY_MISMATCH' : 'IMPB_ERR_CERT_INVALID', {
        message: `OpenSSL refused the new TLS settings: ${(err as Error).message}`,
        cause: err,
      });
    }
    return options;
  }

  /** `current`: the CRLs in use; a file older than the one in use is refused, as `trust crl add` refuses it. */
  function loadCrls(trust: TrustEntry[], current?: Map<string, ParsedCrl>): Map<string, ParsedCrl> {
    const crls = new Map<string, ParsedCrl>();
    if (!fs.existsSync(paths.crlDir)) return crls;
    for (const name of fs.readdirSync(paths.crlDir).sort()) {
      if (!name.endsWith('.crl')) continue;
      try {
        const crl = parseCrl(fs.readFileSync(path.join(paths.crlDir, name)));
        const issuer = trust.find((e) => e.kind === 'anchor' && crlSignedBy(crl, e.cert));
        if (!issuer) {
          logger.warn('CRL ignored: no trusted CA signed it', { event: 'cert.crl.orphan', file: name, issuer: crl.issuer });
          continue;
        }
        const inUse = current?.get(issuer.fingerprint);
        if (inUse && inUse.thisUpdate.getTime() > crl.thisUpdate.getTime()) {
          logger.error('CRL file refused: older than the CRL in use, which stays', { event: 'cert.crl.refused', file: name, issuer: crl.issuer, thisUpdate: crl.thisUpdate.toISOString(), inUse: inUse.thisUpdate.toISOString() });
          crls.set(issuer.fingerprint, inUse);
          continue;
        }
        if (!inUse?.der.equals(crl.der) && crl.nextUpdate && crl.nextUpdate.getTime() < now()) {
          logger.warn('the CRL is past its nextUpdate; loaded anyway, fetch a fresh one', { event: 'cert.crl.stale', file: name, issuer: crl.issuer, nextUpdate: crl.nextUpdate.toISOString() });
        }
        crls.set(issuer.fingerprint, crl);
      } catch (err) {
        logger.error('CRL ignored: cannot be read', { event: 'cert.crl.invalid', file: name, err });
      }
    }
    return crls;
  }

  /** `previous`: the state in use, whose trusted certificates and CRLs are kept without the import checks. */
  function loadFromDisk(previous?: State): State {
    const server = readServerMaterial(paths);
    if (!keyMatches(server.cert, server.keyPem)) {
      throw new ImpbError('IMPB_ERR_CERT_KEY_MISMATCH', { message: `${paths.serverCert} does not match the key in ${paths.serverKey}` });
    }
    const trust = readTrustEntries(paths, {
      trusted: new Set(previous?.trust.map((e) => e.fingerprint)),
      now: now(),
      onRefused: (file, reason) => logger.error(`trust file refused, its certificates are not trusted: ${reason}`, { event: 'cert.trust.file_refused', file, reason }),
    });
    const crls = loadCrls(trust, previous?.crls);
    return { server, trust, crls, options: policyFor(server, trust) };
  }

  /** A removed CA's CRL files would only come back as "orphan CRL" warnings at every reload. */
  function removeCrlFilesOf(entry: TrustEntry, remaining: TrustEntry[]): void {
    if (!fs.existsSync(paths.crlDir)) return;
    for (const name of fs.readdirSync(paths.crlDir)) {
      if (!name.endsWith('.crl')) continue;
      const file = path.join(paths.crlDir, name);
      try {
        const crl = parseCrl(fs.readFileSync(file));
        // A CA re-issued with the same key signs the same CRLs: they stay while one of them is trusted.
        const orphaned = crlSignedBy(crl, entry.cert) && !remaining.some((e) => e.kind === 'anchor' && crlSignedBy(crl, e.cert));
        if (orphaned) fs.rmSync(file, { force: true });
      } catch {
        // An unreadable CRL is left for the operator; loadCrls logs it.
      }
    }
  }

  const generations = createServerGenerations(paths, {
    afterFsStep: deps.afterFsStep,
    onWarning: (message, err) => logger.warn(message, { event: 'cert.generations.warning', err }),
  });

  /** The set kept by releases before generations (certs/previous), when it is still a valid pair. */
  function legacyPrevious(): ServerMaterial | undefined {
    if (!fs.existsSync(paths.legacyPreviousCert)) return undefined;
    try {
      const previous = readServerMaterial({ serverKey: paths.legacyPreviousKey, serverCert: paths.legacyPreviousCert, serverChain: paths.legacyPreviousChain });
      return keyMatches(previous.cert, previous.keyPem) ? previous : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Puts files another tool left at the stable paths (or a pre-generation layout) into a
   * generation without changing what is read there. When they are not a valid set, the set
   * in use takes their place: there was no consistent set on disk to keep.
   */
  function adoptFilesOnDisk(inUse: ServerMaterial): void {
    if (generations.layoutOk()) return;
    let onDisk: ServerMaterial | undefined;
    try {
      const material = readServerMaterial(paths);
      if (keyMatches(material.cert, material.keyPem)) onDisk = material;
    } catch {
      onDisk = undefined;
    }
    if (!onDisk) logger.warn('the server key and certificate files on disk are not a valid pair: replaced by the set in use', { event: 'cert.generations.repaired', fingerprint: inUse.fingerprint });
    generations.adopt(onDisk ?? inUse, legacyPrevious());
  }

  let state = loadFromDisk();
  let snapshot = trustSnapshot(state.trust, state.crls);
  generations.adopt(state.server, legacyPrevious());
  generations.tidy();

  function commit(next: Omit<State, 'options'> & { options?: ProvisioningTlsOptions }): void {
    const options = next.options ?? policyFor(next.server, next.trust);
    state = { ...next, options };
    snapshot = trustSnapshot(next.trust, next.crls);
    for (const listener of listeners) {
      try {
        listener(options);
      } catch (err) {
        logger.error('a listener refused the new TLS settings', { event: 'cert.swap.failed', err });
      }
    }
  }

  let queue: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  }

  const audit = (actor: CertificateActor, entityType: string, entityId: string, action: string, before?: unknown, after?: unknown, detail?: string) =>
    deps.store.audit.append({ actor, entityType, entityId, action, before, after, detail }).catch((err: unknown) => logger.error('cannot write the audit trail', { event: 'audit.failed', err }));

  const brief = (info: { fingerprint: string; subject: string; notAfter?: string }) => ({ fingerprint: info.fingerprint, subject: info.subject, notAfter: info.notAfter });

  /**
   * Validates and dry-runs, writes the new set as a generation, switches to it in one rename
   * (the current set becomes its "previous"), then swaps the listener's context.
   */
  async function activateServer(next: ServerMaterial, actor: CertificateActor, action: string, origin: ServerOrigin): Promise<string> {
    const options_ = policyFor(next, state.trust);
    const before = state.server;
    adoptFilesOnDisk(before);
    generations.activate(next, { action, fingerprint: next.fingerprint, origin });
    commit({ ...state, server: next, options: options_ });
    const kind = isSelfSigned(next.cert) ? 'self-signed' : 'ca-signed';
    await deps.store.settings.set(KIND_SETTING, kind).catch(() => undefined);
    const info = describeCertificate(next.cert, now());
    logger.info(`server certificate ${action}: new TLS handshakes use ${info.subject}`, {
      event: 'cert.server.activated',
      action,
      actor,
      kind,
      origin,
      before: before.fingerprint,
      after: next.fingerprint,
      notAfter: info.notAfter,
    });
    await audit(actor, 'server-certificate', next.fingerprint, action, brief(describeCertificate(before.cert)), brief(info));
    runExpiryCheck();
    return before.fingerprint;
  }

  function readPending(): { keyPem: string; meta?: PendingKeyInfo } | undefined {
    if (!fs.existsSync(paths.pendingKey)) return undefined;
    const keyPem = fs.readFileSync(paths.pendingKey, 'utf8');
    const meta = fs.existsSync(paths.pendingMeta) ? (JSON.parse(fs.readFileSync(paths.pendingMeta, 'utf8')) as PendingKeyInfo) : undefined;
    return { keyPem, meta };
  }

  function clusterUsage(clusters: Cluster[], entry: TrustEntry): string[] {
    const clients = [...(seen.get(entry.fingerprint)?.values() ?? [])];
    return clusters
      .filter((cluster) => {
        // Fingerprint rules match the client's own (leaf) certificate only: naming a CA there lets no client in, so it is no use of that CA.
        if (entry.kind === 'pin' && cluster.identityRules.fingerprints.some((f) => normaliseFingerprint(f) === entry.fingerprint)) return true;
        if (clients.some((c) => c.sourceAddress && [...cluster.sourceAddresses, ...cluster.hosts].includes(c.sourceAddress.replace(/^::ffff:/, '')))) return true;
        return clusterHasIdentityRules(cluster) && clients.some((c) => matchesClusterIdentity(c, cluster));
      })
      .map((c) => c.name);
  }

  function crlInfo(issuerFingerprint: string, crl: ParsedCrl): CrlInfo {
    return { issuer: crl.issuer, issuerFingerprint, thisUpdate: crl.thisUpdate.toISOString(), nextUpdate: crl.nextUpdate?.toISOString(), revokedCount: crl.revokedSerials.size };
  }

  function watchedCertificates(): WatchedCertificate[] {
    return [
      { kind: 'server', cert: state.server.cert },
      ...state.server.chain.map((cert) => ({ kind: 'chain' as const, cert })),
      ...state.trust.map((e) => ({ kind: e.kind === 'pin' ? ('trust-pin' as const) : ('trust-anchor' as const), cert: e.cert })),
    ];
  }

  let renewing: Promise<unknown> | undefined;
  const notRenewedWarned = new Set<string>();
  function runExpiryCheck(): ExpiryStatus[] {
    lastExpiry = expiry.check(watchedCertificates());
    const server = state.server;
    const renewDays = config.tls.autoRenewSelfSignedDays;
    if (renewDays <= 0 || renewDays >= config.tls.selfSignedDays || renewing || notAfterMs(server.cert) - now() > renewDays * 86_400_000) return lastExpiry;
    // Only the default the proxy generated renews itself (new key, its own names); a certificate it was given, even self-signed, is the operator's to replace.
    if (serverOrigin(generations.currentMeta(), server.cert) !== 'generated') {
      if (!notRenewedWarned.has(server.fingerprint)) {
        notRenewedWarned.add(server.fingerprint);
        logger.warn('the installed server certificate expires soon and is not renewed automatically: install a new one (imp-bridge cert csr, cert install)', {
          event: 'cert.server.not_auto_renewed',
          fingerprint: server.fingerprint,
          notAfter: new Date(notAfterMs(server.cert)).toISOString(),
        });
      }
    } else {
      renewing = manager.renewSelfSigned('system').then(
        () => undefined,
        (err: unknown) => logger.error('automatic renewal of the self-signed certificate failed', { event: 'cert.self_signed.renew_failed', err }),
      );
      void renewing.finally(() => (renewing = undefined));
    }
    return lastExpiry;
  }

  const trustKey = (trust: TrustEntry[]) => trust.map((e) => `${e.kind}:${e.fingerprint}`).sort().join();
  const crlsKey = (crls: Map<string, ParsedCrl>) => [...crls.entries()].map(([k, v]) => `${k}:${v.der.toString('base64')}`).sort().join();

  async function reloadFromDisk(): Promise<'unchanged' | 'swapped' | 'refused'> {
    let next: State;
    try {
      next = loadFromDisk(state);
      checkValidity(next.server.cert, 'the server certificate on disk', now());
    } catch (err) {
      logger.error('certificate files changed on disk but are not valid: kept the running TLS settings', {
        event: 'cert.file_watch.refused',
        reason: (err as Error).message,
        code: (err as ImpbError).code,
      });
      return 'refused';
    }
    try {
      if (!generations.layoutOk()) generations.adopt(next.server, legacyPrevious());
    } catch (err) {
      logger.error('cannot keep the certificate files changed on disk as a generation; they are used, but the next install will replace them', { event: 'cert.generations.adopt_failed', err });
    }
    const sameServer = next.server.fingerprint === state.server.fingerprint && next.server.keyPem === state.server.keyPem && next.server.chainPems.join() === state.server.chainPems.join();
    // Compared as sets: the disk lists files by name, memory keeps the order things were added in.
    const sameTrust = trustKey(next.trust) === trustKey(state.trust);
    const sameCrls = crlsKey(next.crls) === crlsKey(state.crls);
    if (sameServer && sameTrust && sameCrls) return 'unchanged';
    const before = state;
    commit(next);
    logger.info('certificate files changed on disk: new TLS handshakes use them', { event: 'cert.file_watch.swapped', server: next.server.fingerprint, anchors: next.trust.length });
    if (!sameServer) await audit('file-watch', 'server-certificate', next.server.fingerprint, 'file-change', brief(describeCertificate(before.server.cert)), brief(describeCertificate(next.server.cert)));
    if (!sameTrust) await audit('file-watch', 'trust-anchor', '*', 'file-change', before.trust.map((e) => e.fingerprint), next.trust.map((e) => e.fingerprint));
    if (!sameCrls) await audit('file-watch', 'crl', '*', 'file-change', [...before.crls.keys()], [...next.crls.keys()]);
    runExpiryCheck();
    return 'swapped';
  }

  const manager = {
    /** The full secure-context options as of now (immutable). */
    options: (): ProvisioningTlsOptions => state.options,
    onChange(listener: (options: ProvisioningTlsOptions) => void): void {
      listeners.push(listener);
    },
    clientVerifier: verifier,
    serverCertificate: (): X509Certificate => state.server.cert,
    lastExpiry: () => lastExpiry,
    checkExpiry: () => runExpiryCheck(),
    reloadFromDisk: () => exclusive(reloadFromDisk),

    async trustList(): Promise<TrustListItem[]> {
      const clusters = await deps.store.clusters.list();
      return state.trust.map((entry) => {
        const crl = state.crls.get(entry.fingerprint);
        const lastSeen = Math.max(0, ...[...(seen.get(entry.fingerprint)?.values() ?? [])].map((c) => c.at));
        return {
          ...describeCertificate(entry.cert, now()),
          kind: entry.kind,
          usedBy: clusterUsage(clusters, entry),
          crl: crl ? crlInfo(entry.fingerprint, crl) : undefined,
          lastClientSeenAt: lastSeen ? new Date(lastSeen).toISOString() : undefined,
        };
      });
    },

    trustDiff(pems: string[], options: { leaf?: boolean } = {}): TrustDiff {
      return diffTrust(pems, state.trust, { ...options, now: now() });
    },

    trustAdd(pems: string[], actor: CertificateActor, options: { leaf?: boolean; replace?: boolean } = {}) {
      return exclusive(async () => {
        const fpOf = (pem: string) => {
          try {
            return fingerprintOf(new X509Certificate(pem));
          } catch {
            return undefined;
          }
        };
        const trusted = new Set(state.trust.map((e) => e.fingerprint));
        // With replace, the file is the whole new bundle: what it already holds is kept, the rest removed.
        const toCheck = options.replace ? pems.filter((p) => !trusted.has(fpOf(p) ?? '')) : pems;
        const removing = options.replace ? state.trust.filter((e) => !pems.some((p) => fpOf(p) === e.fingerprint)) : [];
        const { accepted, refused } = checkImport(toCheck, state.trust, { leaf: options.leaf, now: now() });
        if (refused.length) {
          throw new ImpbError(refused[0]!.code, {
            message: `import refused, nothing changed: ${refused.map((r) => r.reason).join('; ')}`,
            details: { refused },
          });
        }
        if (accepted.length === 0 && removing.length === 0) {
          throw new ImpbError('IMPB_ERR_CERT_DUPLICATE', { message: 'every certificate of the import is already trusted; nothing changed' });
        }
        const trust = [...state.trust.filter((e) => !removing.includes(e)), ...accepted];
        const options_ = policyFor(state.server, trust);
        for (const entry of accepted) entry.file = writeTrustEntry(paths, entry);
        for (const entry of removing) {
          deleteTrustEntry(entry);
          if (entry.kind === 'anchor') removeCrlFilesOf(entry, trust);
        }
        const crls = new Map([...state.crls].filter(([fp]) => trust.some((e) => e.fingerprint === fp)));
        commit({ ...state, trust, crls, options: options_ });
        for (const entry of accepted) {
          const info = describeCertificate(entry.cert, now());
          logger.info(`trusted ${entry.kind === 'pin' ? 'leaf pin' : 'CA'} added: ${info.subject}`, { event: 'cert.trust.added', actor, kind: entry.kind, fingerprint: entry.fingerprint, subject: info.subject, notAfter: info.notAfter });
          await audit(actor, 'trust-anchor', entry.fingerprint, 'add', undefined, { ...brief(info), kind: entry.kind });
        }
        for (const entry of removing) {
          const info = describeCertificate(entry.cert, now());
          logger.info(`trusted certificate removed: ${info.subject}`, { event: 'cert.trust.removed', actor, fingerprint: entry.fingerprint, subject: info.subject });
          await audit(actor, 'trust-anchor', entry.fingerprint, 'remove', { ...brief(info), kind: entry.kind }, undefined, 'replaced by import');
        }
        runExpiryCheck();
        return { added: accepted.map((e) => ({ ...describeCertificate(e.cert, now()), kind: e.kind })), removed: removing.map((e) => describeCertificate(e.cert, now())) };
      });
    },

    trustRemove(fingerprint: string, actor: CertificateActor) {
      return exclusive(async () => {
        const fp = normaliseFingerprintInput(fingerprint);
        const matches = state.trust.filter((e) => e.fingerprint === fp || (fp.length >= 8 && e.fingerprint.startsWith(fp)));
        if (matches.length === 0) throw new ImpbError('IMPB_ERR_CERT_NOT_FOUND', { message: `no trusted certificate has the fingerprint ${fingerprint}` });
        if (matches.length > 1) throw new ImpbError('IMPB_ERR_VALIDATION', { message: `${fingerprint} matches ${matches.length} trusted certificates: give more of the fingerprint` });
        const entry = matches[0]!;
        const trust = state.trust.filter((e) => e !== entry);
        if (config.provisioning.clientCertificate === 'required' && !trust.length) {
          throw new ImpbError('IMPB_ERR_CERT_LAST_ANCHOR', { message: 'refusing to remove the last trusted certificate: every AS would be refused. Add the new CA first (imp-bridge trust add), then remove this one.' });
        }
        const options_ = policyFor(state.server, trust);
        deleteTrustEntry(entry);
        const crls = new Map(state.crls);
        crls.delete(entry.fingerprint);
        if (entry.kind === 'anchor') removeCrlFilesOf(entry, trust);
        seen.delete(entry.fingerprint);
        commit({ ...state, trust, crls, options: options_ });
        const info = describeCertificate(entry.cert, now());
        logger.info(`trusted certificate removed: ${info.subject}; clients chaining to it are refused from their next handshake`, { event: 'cert.trust.removed', actor, fingerprint: entry.fingerprint, subject: info.subject });
        await audit(actor, 'trust-anchor', entry.fingerprint, 'remove', { ...brief(info), kind: entry.kind }, undefined);
        runExpiryCheck();
        return { ...info, kind: entry.kind };
      });
    },

    crlList(): CrlInfo[] {
      return [...state.crls.entries()].map(([fp, crl]) => crlInfo(fp, crl));
    },

    crlAdd(data: Buffer | string, actor: CertificateActor) {
      return exclusive(async () => {
        const crl = parseCrl(data);
        const issuer = state.trust.find((e) => e.kind === 'anchor' && crlSignedBy(crl, e.cert));
        if (!issuer) {
          throw new ImpbError('IMPB_ERR_CRL_INVALID', { message: `no trusted CA signed this CRL (issuer ${crl.issuer}): add the CA first, or check the file` });
        }
        const current = state.crls.get(issuer.fingerprint);
        if (current && current.thisUpdate.getTime() > crl.thisUpdate.getTime()) {
          throw new ImpbError('IMPB_ERR_CRL_INVALID', { message: `a newer CRL of ${crl.issuer} is already loaded (thisUpdate ${current.thisUpdate.toISOString()})` });
        }
        if (crl.nextUpdate && crl.nextUpdate.getTime() < now()) {
          logger.warn('the CRL is past its nextUpdate; loaded anyway, fetch a fresh one', { event: 'cert.crl.stale', issuer: crl.issuer, nextUpdate: crl.nextUpdate.toISOString() });
        }
        writeFileAtomic(path.join(paths.crlDir, `${issuer.fingerprint}.crl`), crl.der, 0o644);
        const crls = new Map(state.crls).set(issuer.fingerprint, crl);
        commit({ ...state, crls, options: state.options });
        const info = crlInfo(issuer.fingerprint, crl);
        logger.info(`CRL loaded for ${crl.issuer}: ${info.revokedCount} revoked`, { event: 'cert.crl.added', actor, ...info });
        await audit(actor, 'crl', issuer.fingerprint, current ? 'replace' : 'add', current ? crlInfo(issuer.fingerprint, current) : undefined, info);
        return info;
      });
    },

    show(): ServerCertificateView {
      const server = state.server;
      const pending = readPending();
      let previous: ServerCertificateView['previous'];
      const kept = generations.previous();
      if (kept) {
        try {
          const prev = describeCertificate(new X509Certificate(fs.readFileSync(kept.serverCert)), now());
          previous = { fingerprint: prev.fingerprint, subject: prev.subject, notAfter: prev.notAfter };
        } catch {
          previous = undefined;
        }
      }
      return {
        ...describeCertificate(server.cert, now()),
        kind: isSelfSigned(server.cert) ? 'self-signed' : 'ca-signed',
        origin: serverOrigin(generations.currentMeta(), server.cert),
        chain: server.chain.map((c) => describeCertificate(c, now())),
        pending: pending?.meta,
        previous,
      };
    },

    createCsr(spec: { commonName: string; subjectAltNames: string[]; keyType: KeyType }, actor: CertificateActor) {
      return exclusive(async () => {
        const key = await generateKey(spec.keyType);
        const csrPem = buildCsr({ commonName: spec.commonName, subjectAltNames: spec.subjectAltNames }, key.privateKeyPem);
        const names = spec.subjectAltNames.map((n) => formatSubjectAltName(parseSubjectAltName(n)));
        const meta: PendingKeyInfo = { commonName: spec.commonName, subjectAltNames: [...new Set([spec.commonName, ...names])], keyType: spec.keyType, createdAt: new Date(now()).toISOString() };
        const publicHostname = config.provisioning.publicHostname;
        const warnings = publicHostname && !meta.subjectAltNames.some((n) => nameCovers(n, publicHostname)) ? [`the CSR does not name ${publicHostname} (provisioning.publicHostname): cert install will refuse a certificate that does not cover it`] : [];
        for (const warning of warnings) logger.warn(`certificate request: ${warning}`, { event: 'cert.csr.warning', commonName: meta.commonName, subjectAltNames: meta.subjectAltNames });
        writeFileAtomic(paths.pendingKey, key.privateKeyPem, 0o600);
        writeFileAtomic(paths.pendingMeta, `${JSON.stringify(meta, null, 2)}\n`, 0o644);
        logger.info('new key pair kept pending; CSR created', { event: 'cert.csr.created', actor, commonName: meta.commonName, subjectAltNames: meta.subjectAltNames, keyType: meta.keyType });
        await audit(actor, 'server-certificate', 'pending', 'csr', undefined, meta);
        return { csrPem, ...meta, warnings };
      });
    },

    install(input: { certPem: string; chainPem?: string }, actor: CertificateActor) {
      return exclusive(async (): Promise<InstallResult> => {
        const pending = readPending();
        const probe = assembleServerMaterial('', input.certPem, input.chainPem);
        let keyPem: string;
        let usedKey: InstallResult['usedKey'];
        if (pending && keyMatches(probe.cert, pending.keyPem)) {
          keyPem = pending.keyPem;
          usedKey = 'pending';
        } else if (keyMatches(probe.cert, state.server.keyPem)) {
          keyPem = state.server.keyPem;
          usedKey = 'current';
        } else {
          throw new ImpbError('IMPB_ERR_CERT_KEY_MISMATCH', {
            message: `the certificate (${describeCertificate(probe.cert).subject}) matches neither the pending key${pending ? '' : ' (none: run imp-bridge cert csr first)'} nor the current key; nothing changed`,
          });
        }
        const material: ServerMaterial = { ...probe, keyPem };
        checkValidity(material.cert, 'the certificate', now());
        for (const c of material.chain) checkValidity(c, 'a chain certificate', now());
        // A new key is for the names its CSR asked for; the current names are only the reference when the key stays.
        checkHostnames(material.cert, config.provisioning.publicHostname, usedKey === 'pending' && pending?.meta ? { requested: pending.meta.subjectAltNames } : { current: state.server.cert });
        const warnings = chainWarnings(material);
        for (const warning of warnings) logger.warn(`certificate install: ${warning}`, { event: 'cert.install.warning', fingerprint: material.fingerprint });
        const previousFingerprint = await activateServer(material, actor, 'install', 'installed');
        if (usedKey === 'pending') {
          fs.rmSync(paths.pendingKey, { force: true });
          fs.rmSync(paths.pendingMeta, { force: true });
        }
        return { certificate: describeCertificate(material.cert, now()), previousFingerprint, usedKey, warnings };
      });
    },

    rollback(actor: CertificateActor) {
      return exclusive(async () => {
        adoptFilesOnDisk(state.server);
        const kept = generations.previous();
        if (!kept) {
          throw new ImpbError('IMPB_ERR_CERT_NOT_FOUND', { message: 'no previous certificate is kept (one is kept at each install or renewal)' });
        }
        const previous = readServerMaterial(kept);
        if (!keyMatches(previous.cert, previous.keyPem)) throw new ImpbError('IMPB_ERR_CERT_KEY_MISMATCH', { message: 'the kept previous certificate does not match its key; nothing changed' });
        checkValidity(previous.cert, 'the previous certificate', now());
        // A new generation holding the previous set, whose "previous" is the current one: a second rollback undoes the first.
        const replaced = await activateServer(previous, actor, 'rollback', serverOrigin(generations.metaOf(kept), previous.cert));
        return { certificate: describeCertificate(previous.cert, now()), previousFingerprint: replaced };
      });
    },

    renewSelfSigned(actor: CertificateActor) {
      return exclusive(async () => {
        const current = state.server.cert;
        const names = isSelfSigned(current)
          ? describeCertificate(current).subjectAltNames.map((n) => n.replace(/^(DNS|IP Address):/, ''))
          : defaultServerNames(config.provisioning.publicHostname ? [config.provisioning.publicHostname] : []);
        const key = await generateKey(config.tls.keyType);
        const certPem = buildCertificate(
          { commonName: names[0] ?? 'localhost', subjectAltNames: names, organization: SELF_SIGNED_ORGANIZATION, validDays: config.tls.selfSignedDays, usage: 'server' },
          key.privateKeyPem,
        );
        const material = assembleServerMaterial(key.privateKeyPem, certPem);
        const previousFingerprint = await activateServer(material, actor, actor === 'system' ? 'auto-renew-self-signed' : 'renew-self-signed', 'generated');
        return { certificate: describeCertificate(material.cert, now()), previousFingerprint };
      });
    },
  };
  return manager;
}
