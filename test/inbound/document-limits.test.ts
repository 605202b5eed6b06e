import { isImpbError } from '../../src/errors';
import { createLargeBodyGate } from '../../src/inbound/flowthrough/large-body-gate';
import { refuseHostileStructure } from '../../src/inbound/xml/hostile-input-guards';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { ACME_PASSWORD, postDocument, templateConfig } from './flowthrough-client';

const limits = { maxElements: 50, maxNameLength: 32, maxAttributes: 4 };
const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return isImpbError(err) ? { code: err.code, message: err.message } : { code: String(err), message: '' };
  }
  return { code: 'no error', message: '' };
};

describe('structure limits, checked in the scan before the parser', () => {
  it('passes a document within every limit', () => {
    expect(failure(() => refuseHostileStructure(`<a x="1" y="2">${'<b/>'.repeat(48)}</a>`, limits)).code).toBe('no error');
  });

  it.each([
    ['too many elements', `<a>${'<b/>'.repeat(50)}</a>`, 'provisioning.maxXmlElements'],
    ['a long element name', `<${'n'.repeat(33)}/>`, 'provisioning.maxXmlNameLength'],
    ['a 5 MB element name', `<${'n'.repeat(5_000_000)}/>`, 'provisioning.maxXmlNameLength'],
    ['an unterminated 5 MB element name', `<${'n'.repeat(5_000_000)}`, 'provisioning.maxXmlNameLength'],
    ['a long attribute name', `<a ${'x'.repeat(33)}="1"/>`, 'provisioning.maxXmlNameLength'],
    ['a long attribute name before spaces', `<a ${'x'.repeat(33)}   = "1"/>`, 'provisioning.maxXmlNameLength'],
    ['a long prefixed attribute name', `<a p:${'x'.repeat(31)}="1"/>`, 'provisioning.maxXmlNameLength'],
    ['too many attributes', '<a a="1" b="2" c="3" d="4" e="5"/>', 'provisioning.maxXmlAttributes'],
  ])('refuses %s (4001, naming the key)', (_name, xml, key) => {
    const refused = failure(() => refuseHostileStructure(xml, limits));
    expect(refused.code).toBe('IMPB_ERR_XML_LIMIT');
    expect(refused.message).toContain(key);
  });

  it('does not count what sits inside attribute values, comments or CDATA', () => {
    const xml = `<a x="${'<b/>'.repeat(100)} q=1 r=2 s=3 t=4"><!-- ${'<b/>'.repeat(100)} --><![CDATA[${'<b/>'.repeat(100)}]]></a>`;
    expect(failure(() => refuseHostileStructure(xml, limits)).code).toBe('no error');
  });
});

describe('large-body gate', () => {
  it('lets small bodies through, runs at most `parallel` large ones, queues a bounded number and refuses the rest', async () => {
    const gate = createLargeBodyGate({ thresholdBytes: 100, parallel: 2, queue: 1 });
    const small = await gate.acquire(99);
    expect(small).toBeDefined();
    const first = (await gate.acquire(100))!;
    const second = (await gate.acquire(100))!;
    let thirdRunning = false;
    const third = gate.acquire(100).then((release) => ((thirdRunning = true), release!));
    expect(await gate.acquire(100)).toBeUndefined();
    await new Promise((r) => setImmediate(r));
    expect(thirdRunning).toBe(false);
    first();
    first(); // a second release of one permit is a no-op
    const release3 = await third;
    expect(thirdRunning).toBe(true);
    const fourth = gate.acquire(100); // the queue slot is free again: it waits, then runs
    second();
    expect(await fourth).toBeDefined();
    release3();
  });
});

describe('commands per document (provisioning.maxCommandsPerDocument)', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({ provisioning: { maxCommandsPerDocument: 3 }, templates: [templateConfig('acme-standard', ACME_PASSWORD)] });
  });
  afterAll(async () => {
    await t.stop();
  });

  const doc = (users: string[]) =>
    `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sessionId xmlns="">s,1,1</sessionId>${users
      .map((u) => `<command xsi:type="UserIntegratedIMPDeleteRequest" xmlns=""><userId>${u}</userId></command>`)
      .join('')}</BroadsoftDocument>`;

  it('accepts the limit and refuses one more with 4001 naming the limit, storing nothing', async () => {
    const atLimit = await postDocument(t, doc(['c1@x', 'c2@x', 'c3@x']));
    expect(atLimit.text.match(/c:SuccessResponse/g)).toHaveLength(3);
    const over = await postDocument(t, doc(['c4@x', 'c5@x', 'c6@x', 'c7@x']));
    expect(over.status).toBe(200);
    expect(over.text).toContain('<errorCode>4001</errorCode>');
    expect(over.text).toContain('at most 3');
    expect(over.text).toContain('provisioning.maxCommandsPerDocument');
    expect(await t.bridge.parts.store.events.listForUser('c4@x')).toHaveLength(0);
  });

  it('refuses a document beyond the element limit with 4001 before parsing', async () => {
    const many = `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C"><sessionId xmlns="">s,1,2</sessionId>${'<x/>'.repeat(10_001)}</BroadsoftDocument>`;
    const res = await postDocument(t, many);
    expect(res.text).toContain('<errorCode>4001</errorCode>');
    expect(res.text).toContain('provisioning.maxXmlElements');
  });
});
