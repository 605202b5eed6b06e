import { sourceAddressMatches } from '../../src/domain/source-address';
import { X509Certificate } from 'node:crypto';
import { coversName } from '../../src/certs/certificate-info';
import { clustersUsing } from '../../src/certs/client-sightings';

describe('sourceAddressMatches (one matcher for the provisioning path and the certificate listing)', () => {
  it.each([
    ['192.0.2.10', ['192.0.2.10'], true],
    ['192.0.2.10', ['192.0.2.0/24'], true],
    ['::ffff:192.0.2.10', ['192.0.2.0/24'], true],
    ['192.0.2.10', ['::ffff:192.0.2.10'], true],
    ['192.0.3.1', ['192.0.2.0/24'], false],
    ['2001:db8::5', ['2001:db8::/32'], true],
    ['2001:db9::5', ['2001:db8::/32'], false],
    ['192.0.2.10', ['as1.example.net', 'garbage/99', '192.0.2.0/40', '10.0.0.0/8/1'], false],
    ['not-an-ip', ['0.0.0.0/0'], false],
    ['10.1.2.3', [], false],
  ])('%s in %j → %s', (address, entries, expected) => {
    expect(sourceAddressMatches(address, entries)).toBe(expected);
  });
});

describe('trust list "used by": source addresses matched as CIDR, as on the provisioning path', () => {
  const cluster = (name: string, sourceAddresses: string[], hosts: string[] = []) => ({
    name,
    sourceAddresses,
    hosts,
    identityRules: { subjectCn: [], san: [], fingerprints: [] },
  });
  it('names the cluster whose CIDR holds a client seen chaining to the CA, not one whose range does not', () => {
    const entry = { kind: 'anchor' as const, fingerprint: 'ab'.repeat(32) } as unknown as Parameters<typeof clustersUsing>[1];
    const clients = [{ subjectAltNames: [], sourceAddress: '::ffff:192.0.2.7', at: 1 }];
    const clusters = [
      cluster('in-range', ['192.0.2.0/24']),
      cluster('exact', ['192.0.2.7']),
      cluster('elsewhere', ['198.51.100.0/24']),
      cluster('by-host-name', [], ['as1.example.net']),
    ];
    expect(clustersUsing(clusters as unknown as Parameters<typeof clustersUsing>[0], entry, clients)).toEqual(['in-range', 'exact']);
  });
});

describe('coversName never throws on what an operator typed', () => {
  it('an OpenSSL-prefixed or non-host name is "not covered", not a TypeError from checkIP', async () => {
    const { createTestCa, issueCert } = await import('../helpers/test-pki');
    const ca = await createTestCa('Covers CA');
    const leaf = await issueCert(ca, { commonName: 'bridge.example.net', subjectAltNames: ['bridge.example.net', '127.0.0.1'], usage: 'server' });
    const cert = new X509Certificate(leaf.certPem);
    expect(['IP:127.0.0.1', 'DNS:IP:127.0.0.1', 'email:ops@example.net', 'URI:https://x.example/'].map((n) => coversName(cert, n))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(['127.0.0.1', 'bridge.example.net', '[::1]'].map((n) => coversName(cert, n))).toEqual([true, true, false]);
  });
});
