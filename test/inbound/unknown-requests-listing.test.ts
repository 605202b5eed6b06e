import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { buildProgram } from '../../src/cli/main';
import { pointCliAt, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { makeTempDir } from '../helpers/temp-dir';
import { ACME_PASSWORD, postDocument, templateConfig } from './flowthrough-client';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'flowthrough');

/** Runs `imp-bridge <args>` in-process, capturing stdout and the exit code. */
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync(['node', 'imp-bridge', ...args]);
    return { code: Number(process.exitCode ?? 0), out };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('operators list stored unknown requests', () => {
  const temp = makeTempDir();
  const saved = { ...process.env };
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({ templates: [templateConfig('acme-standard', ACME_PASSWORD)] }, { dataDir: temp.dir });
    const doc = fs
      .readFileSync(path.join(FIXTURES, 'unknown-command', 'request.xml'), 'utf8')
      .replace('<deviceType>', '<devicePassword>listing-secret-1</devicePassword><deviceType>');
    await postDocument(t, doc, { headers: { 'x-request-id': 'req-listed' } });
    pointCliAt(t);
  });
  afterAll(async () => {
    await t.stop();
    process.env = saved;
    temp.cleanup();
  });

  it('through the admin API with the token: reason and request id, bodies only on request and masked', async () => {
    const token = fs.readFileSync(path.join(temp.dir, 'admin-token'), 'utf8').trim();
    const call = async (query: string) => {
      const res = await request(`${t.adminUrl}/api/v1/unknown-requests${query}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(200);
      return ((await res.body.json()) as { unknownRequests: Array<Record<string, unknown>> }).unknownRequests;
    };
    const [row] = await call('');
    expect(row).toMatchObject({ requestId: 'req-listed', template: 'acme-standard', kind: 'unknown' });
    expect(String(row!.reason)).toContain('DeviceActivationCodeRequest');
    expect(row!.body).toBeUndefined();
    const [withBody] = await call('?withBody=true');
    expect(String(withBody!.body)).toContain('<devicePassword>[REDACTED]</devicePassword>');
    expect(String(withBody!.response)).toContain('4002');
    expect(JSON.stringify(withBody)).not.toContain('listing-secret-1');
    expect(await call('?kind=recorded')).toEqual([]);
  });

  it('through the CLI: `unknown-requests list` as a table and as JSON with bodies', async () => {
    const table = await cli('unknown-requests', 'list');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/ID\s+RECEIVEDAT\s+TEMPLATE\s+REASON\s+REQUESTID/);
    expect(table.out).toContain('req-listed');
    const json = await cli('unknown-requests', 'list', '--with-body', '--json');
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.out) as Array<{ requestId: string; body: string }>;
    expect(rows).toEqual([expect.objectContaining({ requestId: 'req-listed' })]);
    expect(rows[0]!.body).toContain('<deviceType>Cisco 8845</deviceType>');
    expect(json.out).not.toContain('listing-secret-1');
  });
});
