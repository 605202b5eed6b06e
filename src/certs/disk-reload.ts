import type { ImpbError } from '../errors';
import type { Logger } from '../observability';
import { brief, type CertificateAudit } from './certificate-audit';
import { describeCertificate } from './certificate-info';
import type { ParsedCrl } from './crl';
import type { CrlStore } from './crl-store';
import type { CertificateMaterialStore } from './material-store';
import { checkValidity } from './server-certificate';
import type { CertificateState, TlsContext } from './tls-context';
import type { TrustEntry } from './trust-store';

export interface MaterialLoader {
  /** The whole state from storage, checked and dry-run. `previous`: the state in use, whose trusted certificates and CRLs are kept without the import checks. */
  load(previous?: CertificateState): CertificateState;
  /**
   * Picks up changes another tool made to the stored material (the file watch). With
   * `replicated`, the change is another instance's, written by `prepare` (inside the same
   * exclusive section) and audited there already.
   */
  reload(options?: ReloadOptions): Promise<'unchanged' | 'swapped' | 'refused'>;
}

export interface ReloadOptions {
  prepare?: () => void;
  replicated?: boolean;
}

const trustKey = (trust: TrustEntry[]) =>
  trust
    .map((e) => `${e.kind}:${e.fingerprint}`)
    .sort()
    .join();
const crlsKey = (crls: Map<string, ParsedCrl>) =>
  [...crls.entries()]
    .map(([k, v]) => `${k}:${v.der.toString('base64')}`)
    .sort()
    .join();

export function createMaterialLoader(deps: {
  context: TlsContext;
  material: CertificateMaterialStore;
  crls: CrlStore;
  logger: Logger;
  audit: CertificateAudit;
  now: () => number;
  afterChange: () => void;
}): MaterialLoader {
  const { context, material, logger, audit, now } = deps;

  function load(previous?: CertificateState): CertificateState {
    const server = material.readServer();
    const trust = material.readTrust({
      trusted: new Set(previous?.trust.map((e) => e.fingerprint)),
      now: now(),
      onRefused: (file, reason) =>
        logger.error(`trust file refused, its certificates are not trusted: ${reason}`, { event: 'cert.trust.file_refused', file, reason }),
    });
    const crls = deps.crls.load(trust, previous?.crls);
    return { server, trust, crls, options: context.build(server, trust) };
  }

  async function reload(options: ReloadOptions = {}): Promise<'unchanged' | 'swapped' | 'refused'> {
    const state = context.state();
    let next: CertificateState;
    try {
      options.prepare?.();
      next = load(state);
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
      material.adoptServer(next.server);
    } catch (err) {
      logger.error('cannot keep the certificate files changed on disk as a generation; they are used, but the next install will replace them', {
        event: 'cert.generations.adopt_failed',
        err,
      });
    }
    const sameServer =
      next.server.fingerprint === state.server.fingerprint &&
      next.server.keyPem === state.server.keyPem &&
      next.server.chainPems.join() === state.server.chainPems.join();
    // Compared as sets: storage lists files by name, memory keeps the order things were added in.
    const sameTrust = trustKey(next.trust) === trustKey(state.trust);
    const sameCrls = crlsKey(next.crls) === crlsKey(state.crls);
    if (sameServer && sameTrust && sameCrls) return 'unchanged';
    context.commit(next);
    const what = options.replicated ? 'another instance changed the certificates' : 'certificate files changed on disk';
    logger.info(`${what}: new TLS handshakes use them`, {
      event: options.replicated ? 'cert.replication.swapped' : 'cert.file_watch.swapped',
      server: next.server.fingerprint,
      anchors: next.trust.length,
    });
    // Another instance's change was audited where it was made.
    if (!options.replicated) await auditFileChange(audit, state, next, { sameServer, sameTrust, sameCrls });
    deps.afterChange();
    return 'swapped';
  }

  return { load, reload: (options) => context.exclusive(() => reload(options)) };
}

/** The audit rows of a change made on disk, one per kind of material that changed. */
async function auditFileChange(
  audit: CertificateAudit,
  state: CertificateState,
  next: CertificateState,
  { sameServer, sameTrust, sameCrls }: { sameServer: boolean; sameTrust: boolean; sameCrls: boolean },
): Promise<void> {
  if (!sameServer)
    await audit(
      'file-watch',
      'server-certificate',
      next.server.fingerprint,
      'file-change',
      brief(describeCertificate(state.server.cert)),
      brief(describeCertificate(next.server.cert)),
    );
  if (!sameTrust)
    await audit(
      'file-watch',
      'trust-anchor',
      '*',
      'file-change',
      state.trust.map((e) => e.fingerprint),
      next.trust.map((e) => e.fingerprint),
    );
  if (!sameCrls) await audit('file-watch', 'crl', '*', 'file-change', [...state.crls.keys()], [...next.crls.keys()]);
}
