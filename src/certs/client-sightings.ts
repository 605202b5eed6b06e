import type { Cluster } from '../domain';
import { clusterHasIdentityRules, matchesClusterIdentity, normaliseFingerprint, type ClientIdentity } from '../domain/client-identity';
import { sourceAddressMatches } from '../domain/source-address';
import type { TrustEntry } from './trust-store';

const SEEN_PER_ANCHOR = 50;

export type SeenClient = ClientIdentity & { at: number };

/** The last clients seen chaining to each anchor (for `trust list`'s "used by" and "last seen"). */
export function createClientSightings(now: () => number) {
  const seen = new Map<string, Map<string, SeenClient>>();
  return {
    record(anchor: string, identity: ClientIdentity): void {
      let clients = seen.get(anchor);
      if (!clients) seen.set(anchor, (clients = new Map<string, SeenClient>()));
      const key = identity.fingerprint256 ?? '';
      clients.delete(key);
      clients.set(key, { ...identity, at: now() });
      if (clients.size > SEEN_PER_ANCHOR) clients.delete(clients.keys().next().value!);
    },
    clientsOf: (anchor: string): SeenClient[] => [...(seen.get(anchor)?.values() ?? [])],
    forget(anchor: string): void {
      seen.delete(anchor);
    },
  };
}

export type ClientSightings = ReturnType<typeof createClientSightings>;

/**
 * The clusters that use a trusted certificate: a pin their fingerprint rules name, or a client
 * seen chaining to it whose source address (matched as on the provisioning path: exact IP or
 * CIDR) or identity their rules accept.
 */
export function clustersUsing(clusters: Cluster[], entry: TrustEntry, clients: SeenClient[]): string[] {
  return clusters
    .filter((cluster) => {
      // Fingerprint rules match the client's own (leaf) certificate only: naming a CA there lets no client in, so it is no use of that CA.
      if (entry.kind === 'pin' && cluster.identityRules.fingerprints.some((f) => normaliseFingerprint(f) === entry.fingerprint)) return true;
      const addresses = [...cluster.sourceAddresses, ...cluster.hosts];
      if (clients.some((c) => c.sourceAddress && sourceAddressMatches(c.sourceAddress, addresses))) return true;
      return clusterHasIdentityRules(cluster) && clients.some((c) => matchesClusterIdentity(c, cluster));
    })
    .map((c) => c.name);
}
