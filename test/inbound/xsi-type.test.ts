import { readFlowThroughDocument } from '../../src/inbound/dialect/read-document';
import { parseXmlDocument } from '../../src/inbound/xml/parse-xml';
import { isImpbError } from '../../src/errors';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { ACME_PASSWORD, postDocument, templateConfig } from './flowthrough-client';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const FIELDS = '<userId>u@x</userId><serviceProviderId>acme</serviceProviderId><groupId>g</groupId><firstName>A</firstName><lastName>B</lastName>';
const docWith = (command: string, rootAttrs = `xmlns:xsi="${XSI}"`) =>
  `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" ${rootAttrs}><sessionId xmlns="">s,1,1</sessionId>${command}</BroadsoftDocument>`;
const commandOf = (xml: string) => readFlowThroughDocument(parseXmlDocument(Buffer.from(xml)).root).commands[0]!;

describe('xsi:type is the attribute type in the XML Schema instance namespace, whatever its prefix', () => {
  it.each([
    [
      'another namespace’s type after it',
      `<command xsi:type="UserIntegratedIMPAddRequest" xmlns:foo="urn:other" foo:type="UserIntegratedIMPDeleteRequest" xmlns="">${FIELDS}</command>`,
    ],
    [
      'another namespace’s type before it',
      `<command xmlns:foo="urn:other" foo:type="UserIntegratedIMPDeleteRequest" xsi:type="UserIntegratedIMPAddRequest" xmlns="">${FIELDS}</command>`,
    ],
    ['an unbound prefix', `<command xsi:type="UserIntegratedIMPAddRequest" evil:type="UserIntegratedIMPDeleteRequest" xmlns="">${FIELDS}</command>`],
    ['an unprefixed type', `<command type="UserIntegratedIMPDeleteRequest" xsi:type="UserIntegratedIMPAddRequest" xmlns="">${FIELDS}</command>`],
  ])('ignores %s', (_name, command) => {
    const read = commandOf(docWith(command));
    expect(read.spec?.kind).toBe('add');
    expect(read.typeProblem).toBeUndefined();
  });

  it('resolves any prefix bound to the XSI namespace, on an ancestor or on the element itself, and keeps QName values', () => {
    expect(commandOf(docWith(`<command i:type="UserIntegratedIMPDeleteRequest" xmlns="">${FIELDS}</command>`, `xmlns:i="${XSI}"`)).spec?.kind).toBe('delete');
    expect(commandOf(docWith(`<command s:type="UserIntegratedIMPDeleteRequest" xmlns:s="${XSI}" xmlns="">${FIELDS}</command>`, '')).spec?.kind).toBe('delete');
    expect(commandOf(docWith(`<command xsi:type="bw:UserIntegratedIMPAddRequest" xmlns:bw="C" xmlns="">${FIELDS}</command>`)).spec?.kind).toBe('add');
    // A prefix re-bound on the element wins over the ancestor's binding.
    expect(commandOf(docWith(`<command xsi:type="UserIntegratedIMPDeleteRequest" xmlns:xsi="urn:not-xsi" xmlns="">${FIELDS}</command>`)).typeProblem).toBe(
      'missing',
    );
  });

  it('finds no type when xsi is bound to the wrong URI, or only a foreign or unbound type is given', () => {
    expect(commandOf(docWith(`<command xsi:type="UserIntegratedIMPAddRequest" xmlns="">${FIELDS}</command>`, 'xmlns:xsi="urn:wrong"')).typeProblem).toBe(
      'missing',
    );
    expect(commandOf(docWith(`<command evil:type="UserIntegratedIMPAddRequest" xmlns="">${FIELDS}</command>`)).typeProblem).toBe('missing');
    expect(commandOf(docWith(`<command foo:type="UserIntegratedIMPAddRequest" xmlns:foo="urn:other" xmlns="">${FIELDS}</command>`)).typeProblem).toBe(
      'missing',
    );
    expect(commandOf(docWith(`<command xmlns="">${FIELDS}</command>`)).typeProblem).toBe('missing');
  });

  it('sees an xsi:type given twice under two prefixes, and refuses the same attribute written twice as malformed', () => {
    const twice = commandOf(
      docWith(`<command xsi:type="UserIntegratedIMPAddRequest" i:type="UserIntegratedIMPAddRequest" xmlns:i="${XSI}" xmlns="">${FIELDS}</command>`),
    );
    expect(twice.typeProblem).toBe('given more than once');
    expect(twice.spec).toBeUndefined();
    let code = 'no error';
    try {
      parseXmlDocument(
        Buffer.from(docWith(`<command xsi:type="UserIntegratedIMPAddRequest" xsi:type="UserIntegratedIMPDeleteRequest" xmlns="">${FIELDS}</command>`)),
      );
    } catch (err) {
      code = isImpbError(err) ? err.code : String(err);
    }
    expect(code).toBe('IMPB_ERR_XML_MALFORMED');
  });
});

describe('xsi:type through the flow-through endpoint', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({ templates: [templateConfig('acme-standard', ACME_PASSWORD)] });
  });
  afterAll(async () => {
    await t.stop();
  });

  const fields = (user: string) => FIELDS.replace('u@x', user);

  it('stores an add carrying a foreign foo:type as an assign, not an unassign', async () => {
    const res = await postDocument(
      t,
      docWith(
        `<command xsi:type="UserIntegratedIMPAddRequest" xmlns:foo="urn:other" foo:type="UserIntegratedIMPDeleteRequest" xmlns="">${fields('ns1@x')}</command>`,
      ),
    );
    expect(res.status).toBe(200);
    expect(res.text).toContain('c:SuccessResponse');
    const events = await t.bridge.parts.store.events.listForUser('ns1@x');
    expect(events.map((e) => e.kind)).toEqual(['assign']);
  });

  it.each([
    ['missing', `<command evil:type="UserIntegratedIMPDeleteRequest" xmlns="">${'$F'}</command>`, 'ns2@x', `xmlns:xsi="${XSI}"`],
    ['bound to the wrong URI', `<command xsi:type="UserIntegratedIMPDeleteRequest" xmlns="">${'$F'}</command>`, 'ns3@x', 'xmlns:xsi="urn:wrong"'],
    [
      'given twice',
      `<command xsi:type="UserIntegratedIMPAddRequest" i:type="UserIntegratedIMPDeleteRequest" xmlns:i="${XSI}" xmlns="">${'$F'}</command>`,
      'ns4@x',
      `xmlns:xsi="${XSI}"`,
    ],
  ])('refuses a command whose xsi:type is %s with 4001 and stores nothing', async (_name, command, user, rootAttrs) => {
    const res = await postDocument(t, docWith(command.replace('$F', fields(user)), rootAttrs));
    expect(res.status).toBe(200);
    expect(res.text).toContain('<errorCode>4001</errorCode>');
    expect(res.text).not.toContain('c:SuccessResponse');
    expect(await t.bridge.parts.store.events.listForUser(user)).toHaveLength(0);
  });
});
