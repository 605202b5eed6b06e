import type { Cluster } from './template';

/** What the proxy knows of a verified client certificate. */
export interface ClientIdentity {
  subjectCn?: string;
  /** DNS names, IP addresses and URIs from the subjectAltName. */
  subjectAltNames: string[];
  /** SHA-256 fingerprint, colon-separated upper-case hex (as node:crypto prints it). */
  fingerprint256?: string;
  sourceAddress?: string;
}

function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

export function normaliseFingerprint(fp: string): string {
  return fp.replace(/[^0-9a-f]/gi, '').toLowerCase();
}

/** True when the cluster restricts client identities at all. */
export function clusterHasIdentityRules(cluster: Pick<Cluster, 'identityRules'>): boolean {
  const r = cluster.identityRules;
  return Boolean(r && (r.subjectCn.length || r.san.length || r.fingerprints.length));
}

/**
 * A client matches a cluster when any of its rules accepts it: subject CN or SAN by wildcard
 * pattern, or the exact certificate fingerprint. A cluster without rules accepts everyone.
 */
export function matchesClusterIdentity(identity: ClientIdentity, cluster: Pick<Cluster, 'identityRules'>): boolean {
  if (!clusterHasIdentityRules(cluster)) return true;
  const rules = cluster.identityRules;
  if (identity.subjectCn && rules.subjectCn.some((p) => wildcardToRegExp(p).test(identity.subjectCn!))) return true;
  if (rules.san.some((p) => identity.subjectAltNames.some((san) => wildcardToRegExp(p).test(san)))) return true;
  if (identity.fingerprint256) {
    const fp = normaliseFingerprint(identity.fingerprint256);
    if (rules.fingerprints.some((f) => normaliseFingerprint(f) === fp)) return true;
  }
  return false;
}
