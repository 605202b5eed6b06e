import { createAuthThrottle } from '../../src/inbound/auth/auth-throttle';
import { commandSpecFor, canonicalFieldFor } from '../../src/inbound/dialect/dialect-table';
import { readFlowThroughDocument } from '../../src/inbound/dialect/read-document';
import { validateCommand } from '../../src/inbound/dialect/validate-command';
import { maskDocument } from '../../src/inbound/mask-request';
import { parseXmlDocument } from '../../src/inbound/xml/parse-xml';
import { isImpbError } from '../../src/errors';

const doc = (inner: string, encoding = 'UTF-8') =>
  `<?xml version="1.0" encoding="${encoding}"?><c:BroadsoftDocument protocol="OCI" xmlns:c="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sessionId xmlns="">s1</sessionId>${inner}</c:BroadsoftDocument>`;

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return isImpbError(err) ? err.code : String(err);
  }
  return 'no error';
};

describe('hardened XML parsing', () => {
  it('keeps values as strings, ignores namespace prefixes and decodes only predefined and numeric references', () => {
    const parsed = parseXmlDocument(
      Buffer.from(doc('<command xsi:type="c:UserAddRequest"><userId>0123</userId><x:lastName xmlns:x="y">A&amp;B &#x00E9;&#233;</x:lastName></command>')),
    );
    const read = readFlowThroughDocument(parsed.root);
    expect(read.sessionId).toBe('s1');
    expect(read.commands[0]!.spec?.kind).toBe('add');
    expect(read.commands[0]!.fields).toEqual({ userId: '0123', lastName: 'A&B éé' });
    expect(Object.getPrototypeOf(read.commands[0]!.fields)).toBeNull();
  });

  it('decodes ISO-8859-1 as latin-1 and refuses invalid UTF-8', () => {
    const latin1 = Buffer.from(doc('<command xsi:type="UserDeleteRequest"><userId>ß</userId></command>', 'ISO-8859-1'), 'latin1');
    expect(parseXmlDocument(latin1).encoding).toBe('ISO-8859-1');
    expect(readFlowThroughDocument(parseXmlDocument(latin1).root).commands[0]!.fields.userId).toBe('ß');
    const asUtf8 = Buffer.from(doc('<command xsi:type="UserDeleteRequest"><userId>ß</userId></command>'), 'latin1');
    expect(codeOf(() => parseXmlDocument(asUtf8))).toBe('IMPB_ERR_XML_ENCODING');
  });

  it.each([
    ['DOCTYPE', '<?xml version="1.0"?><!DOCTYPE a><a/>', 'IMPB_ERR_XML_DOCTYPE'],
    ['ENTITY alone', '<a><!ENTITY x "y"></a>', 'IMPB_ERR_XML_DOCTYPE'],
    ['undeclared entity', '<a>&x;</a>', 'IMPB_ERR_XML_ENTITY'],
    ['too many references', `<a>${'&amp;'.repeat(5000)}</a>`, 'IMPB_ERR_XML_ENTITY'],
    ['__proto__ element', '<a><__proto__>1</__proto__></a>', 'IMPB_ERR_XML_RESERVED_NAME'],
    ['constructor attribute', '<a constructor="1"/>', 'IMPB_ERR_XML_RESERVED_NAME'],
    ['depth 33', `${'<a>'.repeat(33)}${'</a>'.repeat(33)}`, 'IMPB_ERR_XML_TOO_DEEP'],
    ['mismatched tags', '<a><b></a></b>', 'IMPB_ERR_XML_MALFORMED'],
    ['two roots', '<a/><b/>', 'IMPB_ERR_XML_MALFORMED'],
    ['unsupported encoding', '<?xml version="1.0" encoding="EBCDIC-1"?><a/>', 'IMPB_ERR_XML_ENCODING'],
  ])('refuses %s', (_name, xml, code) => {
    expect(codeOf(() => parseXmlDocument(Buffer.from(xml, 'latin1')))).toBe(code);
  });

  it('checks reserved names only inside tags: text and attribute values may say constructor or prototype', () => {
    const parsed = parseXmlDocument(
      Buffer.from(
        doc(
          '<command xsi:type="UserAddRequest" note="x constructor=1"><firstName>Al prototype = x</firstName><lastName>constructor</lastName><!-- <__proto__> --></command>',
        ),
      ),
    );
    const command = readFlowThroughDocument(parsed.root).commands[0]!;
    expect(command.fields).toMatchObject({ firstName: 'Al prototype = x', lastName: 'constructor' });
    expect(codeOf(() => parseXmlDocument(Buffer.from('<a><c:constructor xmlns:c="C">1</c:constructor></a>')))).toBe('IMPB_ERR_XML_RESERVED_NAME');
    expect(codeOf(() => parseXmlDocument(Buffer.from('<a x:prototype = "1"/>')))).toBe('IMPB_ERR_XML_RESERVED_NAME');
  });

  it('accepts depth 32 and refuses a document that is not a BroadsoftDocument', () => {
    expect(codeOf(() => parseXmlDocument(Buffer.from(`${'<a>'.repeat(32)}${'</a>'.repeat(32)}`)))).toBe('no error');
    expect(codeOf(() => readFlowThroughDocument(parseXmlDocument(Buffer.from('<Envelope/>')).root))).toBe('IMPB_ERR_NOT_BROADSOFT_DOCUMENT');
  });
});

describe('dialect table and validation', () => {
  it('maps every command type and alias, prefixes ignored', () => {
    expect(['UserIntegratedIMPAddRequest', 'UserAddRequest', 'IMPUserAddRequest', 'c:UserAddRequest'].map((t) => commandSpecFor(t)?.kind)).toEqual([
      'add',
      'add',
      'add',
      'add',
    ]);
    expect(['UserIntegratedIMPModifyRequest', 'UserModifyRequest', 'IMPUserModifyRequest'].map((t) => commandSpecFor(t)?.kind)).toEqual([
      'modify',
      'modify',
      'modify',
    ]);
    expect(['UserIntegratedIMPDeleteRequest', 'UserDeleteRequest', 'IMPUserDeleteRequest'].map((t) => commandSpecFor(t)?.kind)).toEqual([
      'delete',
      'delete',
      'delete',
    ]);
    expect(commandSpecFor('UserIntegratedIMPGetRequest')?.kind).toBe('get');
    expect(commandSpecFor('userAddRequest')).toBeUndefined();
    expect(['email', 'primaryPhoneNumber', 'mobile', 'timezone', 'enterpriseId'].map(canonicalFieldFor)).toEqual([
      'emailAddress',
      'phoneNumber',
      'mobilePhoneNumber',
      'timeZone',
      'serviceProviderId',
    ]);
  });

  it('names each missing or invalid field', () => {
    const read = readFlowThroughDocument(
      parseXmlDocument(
        Buffer.from(
          doc('<command xsi:type="UserAddRequest"><userId>u 1</userId><lastName>a</lastName><lastName>b</lastName><extension>x</extension></command>'),
        ),
      ).root,
    );
    const result = validateCommand(read.commands[0] as never, { groupMode: true });
    expect(result).toMatchObject({ ok: false, missing: ['serviceProviderId', 'firstName', 'groupId'] });
    expect((result as { invalid: Array<{ field: string }> }).invalid.map((p) => p.field).sort()).toEqual(['extension', 'lastName', 'userId']);
  });
});

describe('masking and throttling', () => {
  it('masks password elements, CDATA included, and known secret values', () => {
    const masked = maskDocument(
      '<a><impPassword>p1-secret</impPassword><c:provisioningPassword><![CDATA[p2-secret]]></c:provisioningPassword><x>p3-secret</x></a>',
      ['p3-secret'],
    );
    expect(masked).not.toMatch(/p[123]-secret/);
  });

  const delayOf = async (gate: Promise<Awaited<ReturnType<ReturnType<typeof createAuthThrottle>['check']>>>) => {
    const g = await gate;
    if ('blockedForSeconds' in g) return g;
    g.slot.release();
    return { delayMs: g.slot.delayMs };
  };

  it('delays exponentially after the limit and blocks at twice the limit until the window passes', async () => {
    let now = 0;
    const throttle = createAuthThrottle({ limit: 5, baseDelayMs: 100, now: () => now });
    for (let i = 0; i < 5; i++) throttle.recordFailure('a');
    expect(await delayOf(throttle.check('a'))).toEqual({ delayMs: 100 });
    throttle.recordFailure('a');
    expect(await delayOf(throttle.check('a'))).toEqual({ delayMs: 200 });
    for (let i = 0; i < 4; i++) throttle.recordFailure('a');
    expect(await delayOf(throttle.check('a'))).toEqual({ blockedForSeconds: 60 });
    expect(await delayOf(throttle.check('b'))).toEqual({ delayMs: 0 });
    now = 61_000;
    expect(await delayOf(throttle.check('a'))).toEqual({ delayMs: 0 });
  });

  it('counts attempts still in flight: 40 parallel wrong guesses pass the gate at most twice the limit times, and the window still ends', async () => {
    let now = 0;
    const throttle = createAuthThrottle({ limit: 5, baseDelayMs: 100, now: () => now });
    // Every admitted guess fails a little later, as a real password check would.
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const gate = await throttle.check('a');
        if ('blockedForSeconds' in gate) return 429;
        await new Promise((resolve) => setImmediate(resolve));
        gate.slot.fail();
        return 401;
      }),
    );
    expect(outcomes.filter((s) => s === 401)).toHaveLength(10);
    expect(outcomes.filter((s) => s === 429)).toHaveLength(30);
    now = 61_000;
    const after = await throttle.check('a');
    expect('slot' in after && after.slot.delayMs).toBe(0);
  });

  it('lets a busy source keep its concurrency: released slots admit the requests queued behind them', async () => {
    const throttle = createAuthThrottle({ limit: 5, baseDelayMs: 100 });
    const admitted = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const gate = await throttle.check('a');
        if ('blockedForSeconds' in gate) return false;
        await new Promise((resolve) => setImmediate(resolve));
        gate.slot.release();
        return gate.slot.delayMs === 0;
      }),
    );
    // Admitted, and not slowed: only recorded failures cost a delay.
    expect(admitted.every(Boolean)).toBe(true);
    expect(throttle.failures('a')).toBe(0);
  });
});
