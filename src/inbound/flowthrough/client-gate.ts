import { BlockList, isIP } from 'node:net';
import { isIpOrCidr } from '../../config/schema';
import { clusterHasIdentityRules, matchesClusterIdentity, type Cluster, type Template } from '../../domain';
import type { Store } from '../../store';
import type { PeerIdentity } from '../auth/peer-identity';

/**
 * A cluster's source-address list, built once per cluster object: the store's config cache
 * hands out the same (frozen) object until the cluster changes, so a changed cluster gets a new list.
 */
const addressLists = new WeakMap<Cluster, BlockList>();

function addressListOf(cluster: Cluster): BlockList {
  let list = addressLists.get(cluster);
  if (list) return list;
  list = new BlockList();
  // A row stored before the schema checked entries: skipped (fail closed) rather than throwing, which would answer 5001 forever.
  for (const entry of cluster.sourceAddresses.filter(isIpOrCidr)) {
    const [net, bits] = entry.split('/');
    const entryFamily = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    if (bits !== undefined) list.addSubnet(net, Number(bits), entryFamily);
    else list.addAddress(net, entryFamily);
  }
  addressLists.set(cluster, list);
  return list;
}

function clusterRefusal(cluster: Cluster, peer: PeerIdentity): string | undefined {
  if (cluster.sourceAddresses.length && peer.sourceAddress) {
    const address = peer.sourceAddress.replace(/^::ffff:/, '');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (!addressListOf(cluster).check(address, family)) return 'source address outside the cluster';
  }
  if (!clusterHasIdentityRules(cluster)) return undefined;
  if (!peer.verified) return 'no verified client certificate';
  return matchesClusterIdentity(peer, cluster) ? undefined : 'client certificate outside the cluster identity rules';
}

/**
 * The template's cluster decides when it has rules. Otherwise, once any cluster has identity
 * rules, a verified certificate that matches none of them is refused: trusting a CA does not
 * admit every certificate it ever issued.
 */
export async function clientRefusal(store: Store, template: Template, peer: PeerIdentity): Promise<string | undefined> {
  const own = template.cluster ? await store.clusters.get(template.cluster) : undefined;
  if (own) {
    const refusal = clusterRefusal(own, peer);
    if (refusal || clusterHasIdentityRules(own)) return refusal;
  }
  if (!peer.verified) return undefined;
  const ruled = (await store.clusters.list()).filter(clusterHasIdentityRules);
  if (ruled.length === 0 || ruled.some((cluster) => matchesClusterIdentity(peer, cluster))) return undefined;
  return 'client certificate matches no cluster identity rule';
}
