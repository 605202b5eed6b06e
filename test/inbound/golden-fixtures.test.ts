import fs from 'node:fs';
import path from 'node:path';
import type { Agent } from 'undici';
import { sendFixture } from '../../src/cli/commands/send-command';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { declaredEncoding } from '../../src/inbound/xml/declared-encoding';
import { ACME_PASSWORD, templateConfig } from './flowthrough-client';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'flowthrough');
const folders = fs
  .readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

/**
 * Every fixture folder: the request sent byte for byte by the replay client (`imp-bridge send`,
 * so the tool operators use is the one the tests use), the answer compared byte for byte.
 * Error details carry the request id, made deterministic with X-Request-Id. Run with
 * UPDATE_FIXTURES=1 to (re)write response.xml after a deliberate dialect change.
 */
describe('golden flow-through fixtures', () => {
  let t: TestBridge;
  let agent: Agent;
  beforeAll(async () => {
    t = await startTestBridge({ templates: [templateConfig('acme-standard', ACME_PASSWORD)] });
    agent = t.devClientAgent();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('has a README line and a request for every folder', () => {
    expect(folders.length).toBeGreaterThanOrEqual(25);
    for (const folder of folders) {
      expect(
        fs
          .readFileSync(path.join(FIXTURES, folder, 'README.md'), 'utf8')
          .trim()
          .split('\n'),
      ).toHaveLength(1);
      expect(fs.existsSync(path.join(FIXTURES, folder, 'request.xml'))).toBe(true);
    }
  });

  // Sequential on purpose: later fixtures (modify, status) follow earlier ones as an AS would.
  it.each(folders)('%s answers exactly response.xml', async (folder) => {
    const file = path.join(FIXTURES, folder, 'request.xml');
    const charset = declaredEncoding(fs.readFileSync(file)).encoding ?? 'UTF-8';
    const res = await sendFixture({
      file,
      url: `${t.provisioningUrl}/provisioning/v1/acme-standard`,
      user: 'acme-standard-as',
      password: ACME_PASSWORD,
      dispatcher: agent,
      headers: { 'x-request-id': `fixture-${folder}` },
    });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe(`text/xml; charset=${charset}`);
    const expectedFile = path.join(FIXTURES, folder, 'response.xml');
    if (process.env.UPDATE_FIXTURES === '1') fs.writeFileSync(expectedFile, res.bytes);
    const expected = fs.readFileSync(expectedFile);
    expect(res.bytes.toString('latin1')).toBe(expected.toString('latin1'));
  });
});
