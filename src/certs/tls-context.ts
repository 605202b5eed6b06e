import type { Config } from '../config/schema';
import type { ClientIdentity } from '../domain/client-identity';
import { ImpbError } from '../errors';
import type { Logger } from '../observability';
import { notAfterMs } from './certificate-info';
import { createClientVerifier, type ClientVerifier, type TrustSnapshot } from './client-verifier';
import type { ParsedCrl } from './crl';
import type { ServerMaterial } from './server-certificate';
import { buildTlsPolicy, dryRunSecureContext, type ProvisioningTlsOptions } from './tls-policy';
import type { TrustEntry } from './trust-store';

/** What the provisioning listener's TLS is made of, and the full options built from it. */
export interface CertificateState {
  server: ServerMaterial;
  trust: TrustEntry[];
  crls: Map<string, ParsedCrl>;
  options: ProvisioningTlsOptions;
}

export type StateChange = Omit<CertificateState, 'options'> & { options?: ProvisioningTlsOptions };

/**
 * The one way TLS settings change: every service builds the full options here (dry-run
 * through OpenSSL first, E6), then commits; the listeners get the whole new context
 * (E1/E2). Changes are serialised through `exclusive`.
 */
export interface TlsContext {
  state(): CertificateState;
  /** Full options for this server material and trust, dry-run. Throws IMPB_ERR_CERT_KEY_MISMATCH / IMPB_ERR_CERT_INVALID. */
  build(server: ServerMaterial, trust: TrustEntry[]): ProvisioningTlsOptions;
  /** Makes `next` the state in use (building its options unless given) and hands them to every listener. */
  commit(next: StateChange): void;
  onChange(listener: (options: ProvisioningTlsOptions) => void): void;
  exclusive<T>(fn: () => Promise<T> | T): Promise<T>;
  readonly verifier: ClientVerifier;
}

function trustSnapshot(trust: TrustEntry[], crls: Map<string, ParsedCrl>): TrustSnapshot {
  return {
    anchors: new Set(trust.filter((e) => e.kind === 'anchor').map((e) => e.fingerprint)),
    pins: new Map(trust.filter((e) => e.kind === 'pin').map((e) => [e.fingerprint, { notBefore: Date.parse(e.cert.validFrom), notAfter: notAfterMs(e.cert) }])),
    crls,
  };
}

export function createTlsContext(deps: {
  tls: Config['tls'];
  logger: Logger;
  now: () => number;
  /** Told which anchor a verified client chained to. */
  onVerified?: (anchorFingerprint: string, identity: ClientIdentity) => void;
}): TlsContext {
  const listeners: Array<(options: ProvisioningTlsOptions) => void> = [];
  let current: CertificateState | undefined;
  let snapshot: TrustSnapshot = { anchors: new Set(), pins: new Map(), crls: new Map() };
  const verifier = createClientVerifier({ trust: () => snapshot, now: deps.now, onVerified: deps.onVerified });
  let queue: Promise<unknown> = Promise.resolve();

  function build(server: ServerMaterial, trust: TrustEntry[]): ProvisioningTlsOptions {
    const options = buildTlsPolicy(
      deps.tls,
      { keyPem: server.keyPem, certPem: server.certPem, chainPems: server.chainPems, trustPems: trust.map((e) => e.pem) },
      verifier,
    );
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

  return {
    verifier,
    build,
    state() {
      if (!current) throw new Error('certificate state read before it was loaded');
      return current;
    },
    commit(next) {
      const options = next.options ?? build(next.server, next.trust);
      current = { ...next, options };
      snapshot = trustSnapshot(next.trust, next.crls);
      for (const listener of listeners) {
        try {
          listener(options);
        } catch (err) {
          deps.logger.error('a listener refused the new TLS settings', { event: 'cert.swap.failed', err });
        }
      }
    },
    onChange(listener) {
      listeners.push(listener);
    },
    exclusive(fn) {
      const run = queue.then(fn, fn);
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
