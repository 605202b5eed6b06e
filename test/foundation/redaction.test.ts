import { redactText, registerSecret, runWithRequestContext } from '../../src/observability';
import { captureLogger } from '../helpers/capture-logger';

const PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secretkeymaterial
-----END PRIVATE KEY-----`;

describe('log redaction', () => {
  it('masks passwords, Authorization headers, tokens and private keys in every field', () => {
    const { logger, text } = captureLogger();
    logger.info('request', {
      headers: { authorization: 'Basic ZGVtbzpzM2NyZXQtcGFzc3dvcmQ=', 'content-type': 'text/xml' },
      password: 'plain-password-1',
      account: { username: 'demo', password: 'nested-password-2' },
      token: 'bearer-token-value-3',
      webex: { refreshToken: 'refresh-token-value-4', clientSecret: 'client-secret-value-5' },
      keyPem: PRIVATE_KEY,
    });
    logger.warn(`message text Authorization: Bearer abc.def.ghi-token and ${PRIVATE_KEY}`);
    logger.info('xml', { body: '<command><impPassword>xml-password-6</impPassword><userId>u1</userId></command>' });
    logger.info('json', { raw: '{"access_token":"json-token-7","refresh_token":"json-refresh-8"}' });
    logger.error('failure', { err: Object.assign(new Error('failed with password=url-password-9 in ?password=url-password-9'), { token: 'error-token-10' }) });
    const out = text();
    for (const secret of [
      'ZGVtbzpzM2NyZXQtcGFzc3dvcmQ=',
      'plain-password-1',
      'nested-password-2',
      'bearer-token-value-3',
      'refresh-token-value-4',
      'client-secret-value-5',
      'secretkeymaterial',
      'abc.def.ghi-token',
      'xml-password-6',
      'json-token-7',
      'json-refresh-8',
      'url-password-9',
      'error-token-10',
    ]) {
      expect(out).not.toContain(secret);
    }
    // What is not secret stays readable.
    expect(out).toContain('"username":"demo"');
    expect(out).toContain('<userId>u1</userId>');
    expect(out).toContain('text/xml');
  });

  it('masks the content of any secret-named element (prefixes, CDATA, truncated), leaving other elements alone', () => {
    const { logger, text } = captureLogger();
    logger.info('xml', {
      body: '<d><devicePassword>device-pw-11</devicePassword><c:sipPassword><![CDATA[sip-pw-12]]></c:sipPassword><passwd>passwd-13</passwd><Secret a="1">secret-14</Secret><pin/><clientSecret><![CDATA[cdata-15',
      other: '<x><userPassword>user-pw-16</userPassword><deviceType>Cisco 8845</deviceType><passwordless>true</passwordless></x>',
    });
    const out = text();
    for (const secret of ['device-pw-11', 'sip-pw-12', 'passwd-13', 'secret-14', 'cdata-15', 'user-pw-16']) expect(out).not.toContain(secret);
    expect(out).toContain('<deviceType>Cisco 8845</deviceType>');
    expect(out).toContain('<devicePassword>[REDACTED]</devicePassword>');
  });

  it('masks each secret-shaped text on its own, whatever its case (each pattern is skipped only when its text cannot match)', () => {
    const cases: Array<[string, string]> = [
      ['PASSWORD=upper-1', 'upper-1'],
      ['x?Refresh_Token=mixed-2&y=1', 'mixed-2'],
      ['{"clientSecret" : "json-3"}', 'json-3'],
      ['{"ACCESS_TOKEN":"json-4"}', 'json-4'],
      ['connect to POSTGRES://imp:url-5@db/x', 'url-5'],
      ['Bearer bearer-6', 'bearer-6'],
      ['-----BEGIN RSA PRIVATE KEY-----\npem-7', 'pem-7'],
    ];
    for (const [text, secret] of cases) expect(redactText(text)).not.toContain(secret);
    const plain = '<command xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><userId>u1@example.net</userId></command>';
    expect(redactText(plain)).toBe(plain);
  });

  it('masks registered secret values wherever they appear', () => {
    const { logger, text } = captureLogger();
    registerSecret('Zq8generatedDemoPw20');
    logger.info('a line that mentions Zq8generatedDemoPw20 by accident', { detail: 'also here: Zq8generatedDemoPw20' });
    expect(text()).not.toContain('Zq8generatedDemoPw20');
  });

  it('adds the request id of the current request to every line', () => {
    const { logger, lines } = captureLogger();
    runWithRequestContext({ requestId: 'req-42' }, () => {
      logger.info('first');
      setImmediate(() => logger.info('second, later in the same request'));
    });
    return new Promise<void>((resolve) => {
      setTimeout(() => {
        const parsed = lines.map((l) => JSON.parse(l) as { requestId?: string });
        expect(parsed.map((p) => p.requestId)).toEqual(['req-42', 'req-42']);
        resolve();
      }, 20);
    });
  });
});
