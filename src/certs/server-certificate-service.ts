import type { X509Certificate } from 'node:crypto';
import type { Config, KeyType } from '../config/schema';
import { ImpbError } from '../errors';
import type { Logger } from '../observability';
import type { Store } from '../store/port';
import { buildCertificate } from './build-certificate';
import { brief, type CertificateAudit } from './certificate-audit';
import { describeCertificate, isSelfSigned, type CertificateInfo } from './certificate-info';
import type { CertificateActor, InstallCheckResult, InstallResult, PendingKeyInfo, ServerCertificateView } from './certificate-types';
import { buildCsr } from './csr';
import { defaultServerNames } from './first-start';
import { generateKey } from './keys';
import type { CertificateMaterialStore } from './material-store';
import { planInstall, planWarnings, type InstallCheckInput, type InstallPlan } from './install-checks';
import { assembleServerMaterial, checkValidity, keyMatches, nameCovers, type ServerMaterial } from './server-certificate';
import type { ServerOrigin } from './server-generations';
import { SELF_SIGNED_ORGANIZATION, serverOrigin } from './server-origin';
import { formatSubjectAltName, parseSubjectAltName } from './subject-alt-name';
import type { TlsContext } from './tls-context';

const KIND_SETTING = 'certs.server.kind';

type Activation = { certificate: CertificateInfo; previousFingerprint: string };

/** The server certificate of the provisioning listener: CSR, install, rollback, self-signed renewal. */
export interface ServerCertificateService {
  certificate(): X509Certificate;
  origin(): ServerOrigin;
  show(): ServerCertificateView;
  createCsr(
    spec: { commonName: string; subjectAltNames: string[]; keyType: KeyType },
    actor: CertificateActor,
  ): Promise<PendingKeyInfo & { csrPem: string; warnings: string[] }>;
  /** Every check `install` runs, without activating anything. */
  checkInstall(input: InstallCheckInput): Promise<InstallCheckResult>;
  install(input: InstallCheckInput, actor: CertificateActor): Promise<InstallResult>;
  rollback(actor: CertificateActor): Promise<Activation>;
  renewSelfSigned(actor: CertificateActor): Promise<Activation>;
}

export interface ServerCertificateDeps {
  config: Config;
  logger: Logger;
  settings: Pick<Store['settings'], 'set'>;
  context: TlsContext;
  material: CertificateMaterialStore;
  audit: CertificateAudit;
  now: () => number;
  afterChange: () => void;
}

export function createServerCertificateService(deps: ServerCertificateDeps): ServerCertificateService {
  const { config, logger, context, material, now } = deps;
  const current = () => context.state().server;

  /** The checks of an install against the pending key (if any) and the current set; changes nothing. */
  function planFor(input: InstallCheckInput): InstallPlan {
    return planInstall(input, {
      pending: material.readPending(),
      current: current(),
      publicHostname: config.provisioning.publicHostname,
      expiryWarnDays: config.tls.expiryWarnDays,
      now: now(),
    });
  }

  const service: ServerCertificateService = {
    certificate: () => current().cert,
    origin: () => serverOrigin(material.currentServerMeta(), current().cert),

    show: () => viewOf(current(), material, service.origin(), now()),

    createCsr(spec, actor) {
      return context.exclusive(() => createPendingKey(deps, spec, actor));
    },

    checkInstall(input) {
      return context.exclusive((): InstallCheckResult => {
        const plan = planFor(input);
        return {
          ok: !plan.failure,
          checks: plan.checks,
          usedKey: plan.usedKey,
          ...(plan.material ? { certificate: describeCertificate(plan.material.cert, now()) } : {}),
        };
      });
    },

    install(input, actor) {
      return context.exclusive(async (): Promise<InstallResult> => {
        const plan = planFor(input);
        if (plan.failure || !plan.material || !plan.usedKey) throw plan.failure ?? new Error('install plan without material');
        const next = plan.material;
        const warnings = planWarnings(plan);
        for (const warning of warnings) logger.warn(`certificate install: ${warning}`, { event: 'cert.install.warning', fingerprint: next.fingerprint });
        const previousFingerprint = await activateServer(deps, next, actor, 'install', 'installed');
        if (plan.usedKey === 'pending') material.clearPending();
        return { certificate: describeCertificate(next.cert, now()), previousFingerprint, usedKey: plan.usedKey, warnings, checks: plan.checks };
      });
    },

    rollback(actor) {
      return context.exclusive(async () => {
        material.repairServerLayout(current());
        const kept = material.previousServer();
        if (!kept) throw new ImpbError('IMPB_ERR_CERT_NOT_FOUND', { message: 'no previous certificate is kept (one is kept at each install or renewal)' });
        const previous = kept.read();
        if (!keyMatches(previous.cert, previous.keyPem))
          throw new ImpbError('IMPB_ERR_CERT_KEY_MISMATCH', { message: 'the kept previous certificate does not match its key; nothing changed' });
        checkValidity(previous.cert, 'the previous certificate', now());
        // A new set holding the previous one, whose "previous" is the current one: a second rollback undoes the first.
        const replaced = await activateServer(deps, previous, actor, 'rollback', serverOrigin(kept.meta, previous.cert));
        return { certificate: describeCertificate(previous.cert, now()), previousFingerprint: replaced };
      });
    },

    renewSelfSigned(actor) {
      return context.exclusive(async () => {
        const next = await newSelfSigned(config, current().cert);
        const previousFingerprint = await activateServer(deps, next, actor, actor === 'system' ? 'auto-renew-self-signed' : 'renew-self-signed', 'generated');
        return { certificate: describeCertificate(next.cert, now()), previousFingerprint };
      });
    },
  };
  return service;
}

/**
 * Validates and dry-runs, stores the new set in one step (the current set becomes its
 * "previous"), then swaps the listener's context.
 */
async function activateServer(
  deps: ServerCertificateDeps,
  next: ServerMaterial,
  actor: CertificateActor,
  action: string,
  origin: ServerOrigin,
): Promise<string> {
  const { logger, context, material, audit, now } = deps;
  const state = context.state();
  const options = context.build(next, state.trust);
  const before = state.server;
  material.repairServerLayout(before);
  material.activateServer(next, { action, fingerprint: next.fingerprint, origin });
  context.commit({ ...state, server: next, options });
  const kind = isSelfSigned(next.cert) ? 'self-signed' : 'ca-signed';
  await deps.settings.set(KIND_SETTING, kind).catch(() => undefined);
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
  deps.afterChange();
  return before.fingerprint;
}

/** A new key pair kept pending (replacing any pending one) and the CSR for it; the current certificate stays active. */
async function createPendingKey(
  deps: ServerCertificateDeps,
  spec: Parameters<ServerCertificateService['createCsr']>[0],
  actor: CertificateActor,
): ReturnType<ServerCertificateService['createCsr']> {
  const { config, logger, material, audit, now } = deps;
  const names = spec.subjectAltNames.map((n) => formatSubjectAltName(parseSubjectAltName(n)));
  const key = await generateKey(spec.keyType);
  const csrPem = buildCsr({ commonName: spec.commonName, subjectAltNames: names }, key.privateKeyPem);
  const meta: PendingKeyInfo = {
    commonName: spec.commonName,
    subjectAltNames: [...new Set([spec.commonName, ...names])],
    keyType: spec.keyType,
    createdAt: new Date(now()).toISOString(),
  };
  const warnings = csrWarnings(meta.subjectAltNames, config.provisioning.publicHostname);
  for (const warning of warnings)
    logger.warn(`certificate request: ${warning}`, { event: 'cert.csr.warning', commonName: meta.commonName, subjectAltNames: meta.subjectAltNames });
  material.writePending(key.privateKeyPem, meta);
  logger.info('new key pair kept pending; CSR created', {
    event: 'cert.csr.created',
    actor,
    commonName: meta.commonName,
    subjectAltNames: meta.subjectAltNames,
    keyType: meta.keyType,
  });
  await audit(actor, 'server-certificate', 'pending', 'csr', undefined, meta);
  return { csrPem, ...meta, warnings };
}

function viewOf(server: ServerMaterial, material: CertificateMaterialStore, origin: ServerOrigin, now: number): ServerCertificateView {
  const prev = material.previousServer()?.certificate();
  const previousInfo = prev ? describeCertificate(prev, now) : undefined;
  return {
    ...describeCertificate(server.cert, now),
    kind: isSelfSigned(server.cert) ? 'self-signed' : 'ca-signed',
    origin,
    chain: server.chain.map((c) => describeCertificate(c, now)),
    pending: material.readPending()?.meta,
    previous: previousInfo ? { fingerprint: previousInfo.fingerprint, subject: previousInfo.subject, notAfter: previousInfo.notAfter } : undefined,
  };
}

function csrWarnings(names: string[], publicHostname: string | undefined): string[] {
  if (!publicHostname || names.some((n) => nameCovers(n, publicHostname))) return [];
  return [`the CSR does not name ${publicHostname} (provisioning.publicHostname): cert install will refuse a certificate that does not cover it`];
}

/** A new self-signed default with a new key: the names of the current one when it is self-signed, else the defaults. */
async function newSelfSigned(config: Config, cert: X509Certificate): Promise<ServerMaterial> {
  const names = isSelfSigned(cert)
    ? describeCertificate(cert).subjectAltNames.map((n) => n.replace(/^(DNS|IP Address):/, ''))
    : defaultServerNames(config.provisioning.publicHostname ? [config.provisioning.publicHostname] : []);
  const key = await generateKey(config.tls.keyType);
  const certPem = buildCertificate(
    {
      commonName: names[0] ?? 'localhost',
      subjectAltNames: names,
      organization: SELF_SIGNED_ORGANIZATION,
      validDays: config.tls.selfSignedDays,
      usage: 'server',
    },
    key.privateKeyPem,
  );
  return assembleServerMaterial(key.privateKeyPem, certPem);
}
