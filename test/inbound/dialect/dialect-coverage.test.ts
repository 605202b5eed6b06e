import fs from 'node:fs';
import path from 'node:path';
import { computeDialectCoverage, parseSince, type DialectObservation } from '../../../src/domain';
import { classifyRequest } from '../../../src/inbound/dialect/classify-request';
import { createDialectProvider, dialectExtensionsSchema, describeDialectIssues } from '../../../src/inbound/dialect/dialect-extensions';
import { writeResponseDocument } from '../../../src/inbound/dialect/response-writer';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'flowthrough');
const NOW = new Date('2026-06-10T12:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

const doc = (commands: string, extra = '') =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<sessionId xmlns="">s1</sessionId>${extra}\n${commands}\n</BroadsoftDocument>\n`,
  );
const add = (type: string, emailElement = 'emailAddress') =>
  `<command xsi:type="${type}" xmlns=""><userId>u1@x.example</userId><serviceProviderId>ent1</serviceProviderId><firstName>A</firstName><lastName>B</lastName><impPassword>Sup3r-Secret-Imp</impPassword><${emailElement}>a@x.example</${emailElement}></command>`;

/** Deliberately unknown shapes, on top of the golden fixtures. */
const UNKNOWN_SHAPES: Array<[name: string, body: Buffer]> = [
  ['unknown-element-mail', doc(add('UserIntegratedIMPAddRequest', 'mail'))],
  ['unknown-element-mail-again', doc(add('UserIntegratedIMPAddRequest', 'mail'))],
  ['unknown-command-22', doc(add('UserIMPAddRequest22'))],
  ['top-level-extra', doc(add('UserIntegratedIMPAddRequest'), '<traceId xmlns="">t-1</traceId>')],
  ['plain-text', Buffer.from('hello, not XML')],
];

function fixtureNames(): string[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((d) => fs.existsSync(path.join(FIXTURES, d, 'request.xml')))
    .sort();
}

/** Oracle independent of the classifier: what provision mode answered, per command, in the fixture's response.xml. */
function answeredTypes(name: string): { request: string[]; response: string[]; documentRefused: boolean } {
  const request = fs.readFileSync(path.join(FIXTURES, name, 'request.xml'), 'latin1');
  const response = fs.readFileSync(path.join(FIXTURES, name, 'response.xml'), 'latin1');
  return {
    request: [...request.matchAll(/<command\b[^>]*xsi:type="(?:\w+:)?([^"]+)"/g)].map((m) => m[1]!),
    response: [...response.matchAll(/<command\b[^>]*xsi:type="c:(\w+)"/g)].map((m) => m[1]!),
    documentRefused: response.includes('<errorCode>4001</errorCode>'),
  };
}

function observe(body: Buffer, receivedAt: string, provider = createDialectProvider(), template = 'acme'): DialectObservation {
  return classifyRequest({ template, receivedAt: Date.parse(receivedAt), body, contentType: 'text/xml' }, { dialect: provider.current() }).observation;
}

describe('dialect coverage over the golden fixtures plus unknown shapes', () => {
  const names = fixtureNames();
  const observations = [
    ...names.map((n, i) => observe(fs.readFileSync(path.join(FIXTURES, n, 'request.xml')), minutesAgo(600 - i))),
    ...UNKNOWN_SHAPES.map(([, body], i) => observe(body, minutesAgo(100 - i))),
  ];
  const coverage = computeDialectCoverage(observations, { now: NOW, sinceMs: parseSince('7d')!, template: 'acme' });

  it('counts understood requests exactly as provision mode answered them', () => {
    const refusedFixtures = names.filter((n) => answeredTypes(n).response.includes('ErrorResponse'));
    expect(coverage.requests).toEqual({
      total: names.length + UNKNOWN_SHAPES.length,
      understood: names.length - refusedFixtures.length,
      notUnderstood: refusedFixtures.length + UNKNOWN_SHAPES.length,
    });
    for (const [i, n] of names.entries()) expect([n, observations[i]!.understood]).toEqual([n, !refusedFixtures.includes(n)]);
  });

  it('counts each command type exactly (fixtures: the answers in response.xml; plus the unknown shapes)', () => {
    const expected = new Map<string, { understood: number; notUnderstood: number }>();
    const bump = (type: string, ok: boolean) => {
      const row = expected.get(type) ?? { understood: 0, notUnderstood: 0 };
      row[ok ? 'understood' : 'notUnderstood']++;
      expected.set(type, row);
    };
    for (const n of names) {
      const { request, response, documentRefused } = answeredTypes(n);
      if (documentRefused) continue;
      request.forEach((type, i) => bump(type, response[i] !== 'ErrorResponse'));
    }
    bump('UserIntegratedIMPAddRequest', false); // <mail>
    bump('UserIntegratedIMPAddRequest', false); // <mail> again
    bump('UserIMPAddRequest22', false);
    bump('UserIntegratedIMPAddRequest', true); // its only gap is outside the command
    const actual = new Map(coverage.commandTypes.map((r) => [r.name, { understood: r.understood, notUnderstood: r.notUnderstood }]));
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  });

  it('reports elements by the name sent, with first and last seen and one masked example', () => {
    const mail = coverage.elements.find((e) => e.name === 'mail')!;
    expect(mail).toMatchObject({
      understood: 0,
      notUnderstood: 2,
      firstSeen: minutesAgo(100),
      lastSeen: minutesAgo(99),
    });
    expect(mail.example).toContain('<mail>a@x.example</mail>');
    expect(mail.example).not.toContain('Sup3r-Secret-Imp');
    // The alias `email` of the add-field-aliases fixture is understood under its own name.
    expect(coverage.elements.find((e) => e.name === 'email')).toMatchObject({ understood: 1, notUnderstood: 0 });
    // An element is understood by its name, even inside a command whose type is unknown.
    expect(coverage.elements.find((e) => e.name === 'userId')!.notUnderstood).toBe(0);
    expect(coverage.elements.find((e) => e.name === 'deviceType')).toMatchObject({ understood: 0, notUnderstood: 1 });
  });

  it('gives one example per unknown shape and a verdict listing the gaps', () => {
    const shapes = Object.fromEntries(coverage.unknownShapes.map((s) => [s.shape, s.count]));
    expect(shapes).toMatchObject({
      'UserIntegratedIMPAddRequest: unknown-element <mail>': 2,
      'unknown command type UserIMPAddRequest22': 1,
      'unknown command type DeviceActivationCodeRequest': 1,
      'unknown-element <traceId>': 1,
      'not-xml': 3,
      'not-broadsoft': 1,
      'UserIntegratedIMPAddRequest: missing-field lastName': 3,
    });
    for (const s of coverage.unknownShapes) expect(s.example).toBeDefined();
    expect(coverage.verdict.complete).toBe(false);
    expect(coverage.verdict.text).toBe(
      `${coverage.requests.notUnderstood} of ${coverage.requests.total} requests of the last 7 days not understood for template acme`,
    );
    expect(coverage.verdict.gaps).toContain(`unknown command type UserIMPAddRequest22 (1 request, last ${minutesAgo(98)})`);
  });

  it('says "every request understood" only over a window with traffic and no gap', () => {
    const clean = names
      .filter((n) => !answeredTypes(n).response.includes('ErrorResponse'))
      .map((n) => observe(fs.readFileSync(path.join(FIXTURES, n, 'request.xml')), minutesAgo(30)));
    const old = observe(Buffer.from('garbage'), minutesAgo(60 * 24 * 8));
    const ok = computeDialectCoverage([...clean, old], { now: NOW, sinceMs: parseSince('7d')! });
    expect(ok.verdict).toEqual({
      complete: true,
      text: `every request of the last 7 days understood (${clean.length})`,
      gaps: [],
    });
    expect(computeDialectCoverage([old], { now: NOW, sinceMs: parseSince('7d')! }).verdict.complete).toBe(false);
    expect(computeDialectCoverage([...clean, old], { now: NOW, sinceMs: parseSince('9d')! }).verdict.complete).toBe(false);
    expect(computeDialectCoverage(clean, { now: NOW, sinceMs: parseSince('7d')!, template: 'other' }).verdict.text).toMatch(
      /^no request seen in the last 7 days for template other/,
    );
  });

  it('parses --since values and refuses others', () => {
    expect([parseSince('7d'), parseSince('36h'), parseSince('90m')]).toEqual([7 * 86_400_000, 36 * 3_600_000, 90 * 60_000]);
    expect([parseSince('0d'), parseSince('7'), parseSince('1w'), parseSince('-1d')]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('dialect extensions', () => {
  it('an unknown request is understood once the matching aliases are configured, without restart', () => {
    const provider = createDialectProvider();
    const mail = doc(add('UserIntegratedIMPAddRequest', 'mail'));
    const type22 = doc(add('UserIMPAddRequest22'));
    const traced = doc(add('UserIntegratedIMPAddRequest').replace('<lastName>', '<costCenter>7</costCenter><lastName>'));
    expect([mail, type22, traced].map((b) => observe(b, minutesAgo(1), provider).understood)).toEqual([false, false, false]);
    expect(
      provider.set({
        fieldAliases: { mail: 'emailAddress' },
        commandAliases: { 'c:UserIMPAddRequest22': 'UserIntegratedIMPAddRequest' },
        ignoreElements: ['costCenter'],
      }),
    ).toEqual({ ok: true });
    const after = [mail, type22, traced].map((b) =>
      classifyRequest({ template: 'acme', receivedAt: Date.parse(minutesAgo(0)), body: b }, { dialect: provider.current() }),
    );
    expect(after.map((c) => c.observation.understood)).toEqual([true, true, true]);
    expect(after[0]!.document!.commands[0]!.fields.emailAddress).toBe('a@x.example');
    expect(after[1]!.document!.commands[0]!.spec!.kind).toBe('add');
    expect(after[2]!.document!.commands[0]!.ignoredElements).toEqual(['costCenter']);
  });

  it("a wrong change is refused in the operator's words and the current extensions stay", () => {
    const provider = createDialectProvider({ fieldAliases: { mail: 'emailAddress' } });
    const result = provider.set({
      fieldAliases: { mail: 'emial' },
      commandAliases: { UserAddRequest: 'UserIntegratedIMPAddRequest', X: 'Nope' },
      ignoreElements: ['userId'],
    });
    expect(result.ok).toBe(false);
    const problems = (result as { problems: string[] }).problems.join('\n');
    expect(problems).toContain('dialect.fieldAliases.mail: unknown field "emial"; use one of: userId,');
    expect(problems).toContain('dialect.commandAliases.UserAddRequest: UserAddRequest is already a known command type; remove this alias');
    expect(problems).toContain('dialect.commandAliases.X: unknown command type "Nope"; use one of: UserIntegratedIMPAddRequest,');
    expect(problems).toContain('dialect.ignoreElements.0: userId is a field imp-bridge reads; ignoring it would drop data');
    expect(provider.set({ answerVariant: 'soap' })).toEqual({
      ok: false,
      problems: ['dialect.answerVariant: expected one of: documented, no-namespace'],
    });
    expect(provider.current().field('mail')).toBe('emailAddress');
    const unknownKey = dialectExtensionsSchema.safeParse({ fieldAlias: {} });
    expect(describeDialectIssues(unknownKey.error!)[0]).toMatch(/^dialect: .*fieldAlias/);
  });

  it('writes the answer-document variant configured', () => {
    const commands = [{ echo: '', response: { type: 'success' as const } }];
    const documented = writeResponseDocument({ encoding: 'UTF-8', sessionId: 's1', commands }).toString();
    const plain = writeResponseDocument({
      encoding: 'UTF-8',
      sessionId: 's1',
      commands,
      variant: 'no-namespace',
    }).toString();
    expect(documented).toContain('xmlns="C"');
    expect(documented).toContain('<sessionId xmlns="">');
    expect(plain).not.toContain('xmlns="C"');
    expect(plain).not.toContain('xmlns=""');
    expect(plain).toContain('<command echo="" xsi:type="c:SuccessResponse"/>');
  });
});
