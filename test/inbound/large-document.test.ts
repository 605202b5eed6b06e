import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { certPaths } from '../../src/certs';
import { documentSecrets, maskDocument } from '../../src/inbound/mask-request';
import { registerSecret } from '../../src/observability';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { ACME_PASSWORD, basic, postDocument, templateConfig } from './flowthrough-client';

// The sender runs in its own process, as an AS does: encrypting 10 MB is then not counted
// against the bridge's event loop.
const SENDER = `
const fs = require('node:fs');
const { Agent, request } = require('undici');
const [url, file, ca, cert, key, authorization] = process.argv.slice(1);
const dispatcher = new Agent({ connect: { ca: fs.readFileSync(ca), cert: fs.readFileSync(cert), key: fs.readFileSync(key) } });
request(url, { method: 'POST', body: fs.readFileSync(file), dispatcher, headers: { 'content-type': 'text/xml; charset=UTF-8', authorization } })
  .then(async (res) => { process.stdout.write(JSON.stringify({ status: res.statusCode, text: await res.body.text() })); await dispatcher.close(); });
`;

async function sendFromChild(t: TestBridge, file: string): Promise<{ status: number; text: string }> {
  const paths = certPaths(t.dataDir);
  const args = [
    '-e',
    SENDER,
    `${t.provisioningUrl}/provisioning/v1/acme-standard`,
    file,
    paths.serverCert,
    paths.devClientCert,
    paths.devClientKey,
    basic('acme-standard-as', ACME_PASSWORD),
  ];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: path.resolve(__dirname, '../..'), maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as { status: number; text: string };
}

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const BODY_LIMIT = 10 * 1024 * 1024;
const head = (session: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="${XSI}"><sessionId xmlns="">${session}</sessionId>`;
const add = (user: string, extra = '') =>
  `<command xsi:type="UserIntegratedIMPAddRequest" xmlns=""><userId>${user}</userId><serviceProviderId>acme</serviceProviderId><groupId>g</groupId><firstName>A</firstName><lastName>B</lastName>${extra}</command>`;
const get = (user: string, extra = '') => `<command xsi:type="UserIntegratedIMPGetRequest" xmlns=""><userId>${user}</userId>${extra}</command>`;

/** A document of `commands` commands filling `bytes`: padding sits in an element the dialect ignores. */
function maxDocument(user: string, commands: number, bytes: number): string {
  const skeleton =
    head('big,1,1') +
    add(user, '<note></note>') +
    Array.from({ length: commands - 1 }, (_, i) => get(`${user}-${i}`, '<note></note>')).join('') +
    '</BroadsoftDocument>';
  const pad = Math.floor((bytes - skeleton.length) / commands);
  const note = `<note>${'p'.repeat(pad)}</note>`;
  return head('big,1,1') + add(user, note) + Array.from({ length: commands - 1 }, (_, i) => get(`${user}-${i}`, note)).join('') + '</BroadsoftDocument>';
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

/** Sends a maximal document from a child process and returns the 90th percentile of the /healthz latency meanwhile. */
async function healthzDuringDocument(t: TestBridge, user: string, commands: number): Promise<number> {
  const body = maxDocument(user, commands, BODY_LIMIT - 1024);
  expect(Buffer.byteLength(body)).toBeLessThanOrEqual(BODY_LIMIT);
  const file = path.join(t.dataDir, `${user}.xml`);
  fs.writeFileSync(file, body);
  const latencies: number[] = [];
  const pending: Array<Promise<void>> = [];
  const started = performance.now();
  let done = false;
  let k = 0;
  const sampler = setInterval(() => {
    // Catch up on every sample that fell due while the loop was blocked.
    for (; started + k * 10 <= performance.now(); k++) {
      const due = started + k * 10;
      pending.push(
        request(`${t.adminUrl}/healthz`).then(async (res) => {
          await res.body.text();
          expect(res.statusCode).toBe(200);
          latencies.push(performance.now() - due);
        }),
      );
    }
    if (done) clearInterval(sampler);
  }, 10);
  const res = await sendFromChild(t, file);
  done = true;
  await new Promise((r) => setTimeout(r, 30));
  await Promise.all(pending);
  expect(res.status).toBe(200);
  expect(res.text.match(/<command /g)).toHaveLength(commands);
  expect(res.text).not.toContain('c:ErrorResponse');
  expect((await t.bridge.parts.store.events.listForUser(user)).map((e) => e.kind)).toEqual(['assign']);
  expect(latencies.length).toBeGreaterThanOrEqual(20);
  const median = percentile(latencies, 0.5);
  const p90 = percentile(latencies, 0.9);
  process.stdout.write(
    `healthz during a ${(Buffer.byteLength(body) / 1048576).toFixed(1)} MB document: ${latencies.length} samples, median ${median.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms\n`,
  );
  return p90;
}

describe('large documents (parsed in a worker thread)', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({ logLevel: 'info', provisioning: { bodyLimitBytes: BODY_LIMIT }, templates: [templateConfig('acme-standard', ACME_PASSWORD)] });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('reads a large document with the same namespace rules as a small one', async () => {
    const padded = `<note>${'q'.repeat(300 * 1024)}</note>`;
    const doc =
      head('w,1,1') +
      add('wk1@x', `${padded}`).replace('xmlns=""', `xmlns="" xmlns:foo="urn:other" foo:type="UserIntegratedIMPDeleteRequest"`) +
      '</BroadsoftDocument>';
    const res = await postDocument(t, doc);
    expect(res.text).toContain('c:SuccessResponse');
    expect((await t.bridge.parts.store.events.listForUser('wk1@x')).map((e) => e.kind)).toEqual(['assign']);
    const refused = await postDocument(t, head('w,1,2') + `<x>${'<y/>'.repeat(11_000)}${padded}</x></BroadsoftDocument>`);
    expect(refused.text).toContain('<errorCode>4001</errorCode>');
    expect(refused.text).toContain('provisioning.maxXmlElements');
  });

  it('masks a large document in the parser thread as the main thread would: secret elements, the header, document and IM&P passwords, registered secrets', async () => {
    registerSecret('registered-secret-77');
    const padded = `<note>${'q'.repeat(300 * 1024)}</note>`;
    const leaks = `<note>${ACME_PASSWORD} user-secret-9 registered-secret-77 doc-secret-55</note>`;
    const doc =
      head('m,1,1') +
      '<provisioningUserId xmlns="">acme-standard-as</provisioningUserId><provisioningPassword xmlns="">doc-secret-55</provisioningPassword>' +
      add('mask1@x', `<impPassword>user-secret-9</impPassword>${leaks}${padded}`) +
      '</BroadsoftDocument>';
    const res = await postDocument(t, doc);
    expect(res.text).toContain('c:SuccessResponse');
    const [event] = await t.bridge.parts.store.events.listForUser('mask1@x');
    // Checked as booleans: a failure would print 300 KB.
    for (const secret of [ACME_PASSWORD, 'user-secret-9', 'registered-secret-77', 'doc-secret-55'])
      expect([secret, event!.rawRequest.includes(secret)]).toEqual([secret, false]);
    // The same text the main thread's maskDocument makes of it.
    const parsedInline = { credentials: { username: 'acme-standard-as', password: 'doc-secret-55' }, commands: [{ fields: { impPassword: 'user-secret-9' } }] };
    expect(event!.rawRequest.endsWith(`\n\n${maskDocument(doc, documentSecrets(parsedInline as never, ACME_PASSWORD))}`)).toBe(true);
    expect(event!.rawRequest.includes(padded)).toBe(true);

    // Well-formed XML in another shape is kept for operators, masked in the thread too.
    const other = `<?xml version="1.0"?><Other><x>${ACME_PASSWORD}</x><password>p-elem-1</password>${padded}</Other>`;
    const refused = await postDocument(t, other);
    expect(refused.text).toContain('<errorCode>4001</errorCode>');
    const unknown = (await t.bridge.parts.store.unknownRequests.list({ limit: 5 })).find((u) => u.body.includes('<Other>'));
    expect([unknown!.body.includes(ACME_PASSWORD), unknown!.body.includes('p-elem-1')]).toEqual([false, false]);
    expect(unknown!.body === maskDocument(other, [ACME_PASSWORD])).toBe(true);
  });

  it('logs the unknown elements of a document once, not once per command', async () => {
    const before = t.logs.filter((l) => l.event === 'inbound.fields.unknown').length;
    const doc = head('u,1,1') + add('unk1@x', '<note>a</note>') + get('unk2@x', '<memo>b</memo>') + get('unk3@x', '<note>c</note>') + '</BroadsoftDocument>';
    expect((await postDocument(t, doc)).text).toContain('c:SuccessResponse');
    const lines = t.logs.filter((l) => l.event === 'inbound.fields.unknown').slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ commands: 3, elements: ['note', 'memo'], types: ['UserIntegratedIMPAddRequest', 'UserIntegratedIMPGetRequest'] });
  });

  // The bound is 100 ms "throughout". A test here never asserts a time: on this shared
  // 2-core machine the same run gave a p90 of 52-74 ms in the worker against 380 ms on the main
  // thread when quiet, and 393 against 509 ms beside the rest of the suite, so even the ratio is
  // noise. The test asserts what must hold (the document is answered and stored whole) and prints
  // both measurements for docs/benchmarks.md; samples are scheduled every 10 ms and each is
  // measured from its scheduled time, so a blocked event loop delays every sample due meanwhile.
  it('answers and stores a 10 MB document with 100 commands, in the worker and on the main thread, and prints the /healthz latency meanwhile', async () => {
    const commands = t.bridge.parts.config.provisioning.maxCommandsPerDocument;
    const inWorker = await healthzDuringDocument(t, 'big1@x', commands);
    const inline = await startTestBridge({
      logLevel: 'info',
      provisioning: { bodyLimitBytes: BODY_LIMIT, largeBodyBytes: BODY_LIMIT },
      templates: [templateConfig('acme-standard', ACME_PASSWORD)],
    });
    try {
      const onMainThread = await healthzDuringDocument(inline, 'big2@x', commands);
      process.stdout.write(
        `healthz p90 during a 10 MB document: ${inWorker.toFixed(1)} ms parsed in the worker, ${onMainThread.toFixed(1)} ms on the main thread (issue bound: 100 ms)\n`,
      );
    } finally {
      await inline.stop();
    }
  });
});
