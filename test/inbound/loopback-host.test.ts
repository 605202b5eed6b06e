import { isLoopbackHost } from '../../src/config/schema';

describe('isLoopbackHost (admin token and URL warnings rely on it)', () => {
  it.each(['127.0.0.1', '127.1.2.3', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost'])('treats %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    '127.evil.example',
    '127.0.0.1.evil.example',
    '127.',
    '1270.0.0.1',
    'localhost.evil.example',
    'evil-localhost',
    '::2',
    '128.0.0.1',
    '0.0.0.0',
    '::',
    '::ffff:10.0.0.1',
    '',
  ])('does not treat %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});
