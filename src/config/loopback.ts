import { BlockList, isIP } from 'node:net';

/** Same rule as the admin listener's: anything else needs an explicit token (and a relay upstream, TLS). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const address = host.replace(/^::ffff:(?=\d+\.)/i, '');
  // Only an IP address can be loopback by its spelling: a name such as 127.evil.example resolves wherever its owner says.
  if (isIP(address) === 4) return address.startsWith('127.');
  return isIP(address) === 6 && isIPv6Loopback(address);
}

function isIPv6Loopback(address: string): boolean {
  const list = new BlockList();
  list.addAddress('::1', 'ipv6');
  return list.check(address, 'ipv6');
}
