import { BlockList, isIP } from 'node:net';

/** An IPv4-mapped IPv6 address (::ffff:192.0.2.10, as a dual-stack socket reports it) is the IPv4 address it carries. */
export function normaliseSourceAddress(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

/**
 * True when `address` is one of `entries` (exact IP or CIDR, IPv4 or IPv6). Entries that are
 * neither (a host name in a cluster's `hosts`, a row stored before the schema checked them)
 * match nothing: fail closed rather than throw.
 */
export function sourceAddressMatches(address: string, entries: readonly string[]): boolean {
  const bare = normaliseSourceAddress(address);
  const family = isIP(bare) === 6 ? 'ipv6' : isIP(bare) === 4 ? 'ipv4' : undefined;
  if (!family) return false;
  const list = new BlockList();
  for (const entry of entries) {
    const [net, bits, extra] = entry.trim().split('/');
    const entryFamily = isIP(net ?? '') === 6 ? 'ipv6' : isIP(net ?? '') === 4 ? 'ipv4' : undefined;
    if (!entryFamily || extra !== undefined) continue;
    if (bits === undefined) {
      list.addAddress(normaliseSourceAddress(net), isIP(normaliseSourceAddress(net)) === 4 ? 'ipv4' : entryFamily);
      continue;
    }
    const prefix = Number(bits);
    if (!/^\d{1,3}$/.test(bits) || prefix > (entryFamily === 'ipv6' ? 128 : 32)) continue;
    list.addSubnet(net, prefix, entryFamily);
  }
  return list.check(bare, family);
}
