import tls from 'node:tls';
import type { Config } from '../config/schema';
import type { ClientVerifier } from './client-verifier';

/**
 * The full options of the provisioning listener's secure context, plus the post-handshake
 * client check. Built whole, from the one policy, at every swap: setSecureContext keeps
 * nothing it is not given (E1/E2 in ../shared/protocol/tls-in-node.md).
 */
export type ProvisioningTlsOptions = tls.SecureContextOptions & {
  /** Not a Node option: the listener takes it out before handing the rest to Node. */
  readonly clientVerifier?: ClientVerifier;
};

export interface TlsPolicyInput {
  keyPem: string;
  certPem: string;
  chainPems: string[];
  /** CA anchors and pinned leaves (a self-signed pin verifies as its own anchor). */
  trustPems: string[];
}

export function buildTlsPolicy(tlsConfig: Config['tls'], input: TlsPolicyInput, clientVerifier?: ClientVerifier): ProvisioningTlsOptions {
  const cert = [input.certPem, ...input.chainPems].map((p) => p.trim()).join('\n') + '\n';
  const options: tls.SecureContextOptions & { clientVerifier?: ClientVerifier } = {
    key: input.keyPem,
    cert,
    minVersion: tlsConfig.minVersion,
  };
  if (input.trustPems.length) options.ca = [...input.trustPems];
  if (tlsConfig.ciphers) options.ciphers = tlsConfig.ciphers;
  if (clientVerifier) Object.defineProperty(options, 'clientVerifier', { value: clientVerifier, enumerable: false });
  return Object.freeze(options);
}

/** Throws (e.g. ERR_OSSL_X509_KEY_VALUES_MISMATCH, E6) when OpenSSL would refuse the options. */
export function dryRunSecureContext(options: ProvisioningTlsOptions): void {
  tls.createSecureContext(options);
}
