import type { X509Certificate } from 'node:crypto';
import { fingerprintOf, isSelfSigned } from './certificate-info';
import type { GenerationMeta, ServerOrigin } from './server-generations';

/** The organization the proxy puts in the subject of the self-signed default it generates. */
export const SELF_SIGNED_ORGANIZATION = 'imp-bridge (self-signed)';

const GENERATING_ACTIONS = new Set(['first-start', 'renew-self-signed', 'auto-renew-self-signed']);

/**
 * Whether the active server certificate is the default the proxy generated (which it may
 * renew with a new key) or one it was given. Only the generation record knows for sure;
 * records of older releases and files adopted from another tool are judged by the action
 * that made them, else by the proxy's mark in the subject of a self-signed certificate.
 */
export function serverOrigin(meta: GenerationMeta | undefined, cert: X509Certificate): ServerOrigin {
  const own = meta?.fingerprint === fingerprintOf(cert) ? meta : undefined;
  if (own?.origin) return own.origin;
  if (own && GENERATING_ACTIONS.has(own.action)) return 'generated';
  return isSelfSigned(cert) && cert.subject.split('\n').includes(`O=${SELF_SIGNED_ORGANIZATION}`) ? 'generated' : 'installed';
}
