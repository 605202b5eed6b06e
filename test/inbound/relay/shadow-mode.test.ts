import fs from 'node:fs';
import path from 'node:path';
import type { DialectCoverage } from '../../../src/domain';
import { runCliCaptured as cli } from '../../cli/cli-harness';
import { pointCliAt } from '../../helpers/start-bridge';
import { startFront, startPki, startUpstream, type Front, type Upstream } from './relay-kit';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'flowthrough');
const names = fs
  .readdirSync(FIXTURES)
  .filter((d) => fs.existsSync(path.join(FIXTURES, d, 'request.xml')))
  .sort();
/** Provision mode's own verdict, from the golden answers: a request with an ErrorResponse was not understood. */
const refused = names.filter((n) => fs.readFileSync(path.join(FIXTURES, n, 'response.xml'), 'latin1').includes('ErrorResponse'));

const unknownShapes = [
  fs
    .readFileSync(path.join(FIXTURES, 'add-basic', 'request.xml'), 'utf8')
    .replace('<emailAddress>', '<mail>')
    .replace('</emailAddress>', '</mail>'),
  fs.readFileSync(path.join(FIXTURES, 'add-basic', 'request.xml'), 'utf8').replace('UserIntegratedIMPAddRequest', 'UserIMPAddRequest22'),
  'not XML at all',
];

describe('shadow mode over the golden fixtures plus unknown shapes', () => {
  const saved = { ...process.env };
  let upstream: Upstream;
  let front: Front;
  const upstreamAnswer = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<BroadsoftDocument protocol="OCI" xmlns="C"><sessionId xmlns="">upstream</sessionId></BroadsoftDocument>\n',
  );
  beforeAll(async () => {
    const pki = await startPki();
    upstream = await startUpstream(pki.upstreamCa, pki.upstreamServer);
    upstream.answerWith({ status: 200, contentType: 'text/xml; charset=UTF-8', body: upstreamAnswer });
    front = await startFront({ url: upstream.url, ca: pki.upstreamCa.certPem }, { mode: 'shadow' });
    const client = front.client(4);
    const bodies = [...names.map((n) => fs.readFileSync(path.join(FIXTURES, n, 'request.xml'))), ...unknownShapes.map((s) => Buffer.from(s))];
    for (const body of bodies) {
      const res = await client.request({
        path: '/provisioning/v1/acme',
        method: 'POST',
        body,
        headers: { 'content-type': 'text/xml' },
      });
      expect(Buffer.from(await res.body.arrayBuffer()).equals(upstreamAnswer)).toBe(true);
    }
    pointCliAt(front.t);
  }, 60_000);
  afterAll(async () => {
    await front.close();
    await upstream.close();
    process.env = saved;
  });

  it('forwards every request and reports exact coverage counts, exiting 4 while there are gaps', async () => {
    expect(upstream.seen).toHaveLength(names.length + unknownShapes.length);
    const res = await cli('dialect', 'coverage', '--template', 'acme', '--json');
    expect(res.code).toBe(4);
    const coverage = JSON.parse(res.out) as DialectCoverage;
    expect(coverage.requests).toEqual({
      total: names.length + unknownShapes.length,
      understood: names.length - refused.length,
      notUnderstood: refused.length + unknownShapes.length,
    });
    const shapes = Object.fromEntries(coverage.unknownShapes.map((s) => [s.shape, s.count]));
    expect(shapes).toMatchObject({
      'UserIntegratedIMPAddRequest: unknown-element <mail>': 1,
      'unknown command type UserIMPAddRequest22': 1,
    });
    expect(coverage.elements.find((e) => e.name === 'mail')).toMatchObject({ understood: 0, notUnderstood: 1 });
    expect(coverage.verdict.complete).toBe(false);
    const text = await cli('dialect', 'coverage', '--template', 'acme');
    expect(text.out).toContain('verdict: ');
    expect(text.out).toContain('unknown shape: unknown command type UserIMPAddRequest22');
    expect((await cli('dialect', 'coverage', '--since', 'a week')).code).toBe(2);
    const wrong = await cli('dialect', 'coverage', '--template', 'acm');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('--template: no template "acm" (did you mean "acme"?)');
  });

  it('makes no Webex call and changes no subscriber state', async () => {
    const store = front.t.bridge.parts.store;
    expect(await store.events.count()).toBe(0);
    expect(await store.jobs.list({ limit: 10 })).toEqual([]);
    expect(await store.subscribers.list({ limit: 10 })).toEqual([]);
    // The start-up look-up of the partner org is the only call, and it is not shadow's.
    expect((await store.webexCalls.list({ limit: 100 })).map((c) => c.operation)).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/^(broadworks|wholesale)\./)]),
    );
    expect((await store.webexCalls.list({ limit: 100 })).filter((c) => c.operation !== 'people.me')).toEqual([]);
  });

  it('keeps every exchange recorded, masked', async () => {
    const recorded = await front.t.bridge.parts.store.unknownRequests.list({ kind: 'recorded', limit: 1000 });
    expect(recorded).toHaveLength(names.length + unknownShapes.length);
    expect(JSON.stringify(recorded)).not.toMatch(/<impPassword>(?!\[REDACTED\])/);
  });

  it('refuses to switch to provision while coverage shows gaps, naming them', async () => {
    const res = await cli('template', 'set-mode', 'acme', 'provision');
    expect(res.code).toBe(1);
    expect(res.err).toContain('unknown command type UserIMPAddRequest22');
    expect((await front.t.bridge.parts.store.templates.get('acme'))!.mode).toBe('shadow');
  });
});
