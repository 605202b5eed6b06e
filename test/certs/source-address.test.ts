import { sourceAddressMatches } from '../../src/domain/source-address';

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
