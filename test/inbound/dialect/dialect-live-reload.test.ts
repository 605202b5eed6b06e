import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';
import { startTestBridge, type TestBridge } from '../../helpers/start-bridge';
import { makeTempDir } from '../../helpers/temp-dir';
import { ACME_PASSWORD, postDocument, templateConfig } from '../flowthrough-client';

const unknownTypeDocument = (session: string) => `<?xml version="1.0" encoding="UTF-8"?>
<BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <sessionId xmlns="">${session}</sessionId>
  <command xsi:type="UserIMPAddRequest22" xmlns="">
    <userId>reload-user@acme.example</userId>
    <serviceProviderId>acme</serviceProviderId>
    <firstName>Alice</firstName>
    <lastName>Smith</lastName>
    <mail>alice@acme.example</mail>
  </command>
</BroadsoftDocument>
`;

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('dialect extensions in the configuration file apply without restart', () => {
  const temp = makeTempDir();
  const file = path.join(temp.dir, 'imp-bridge.yaml');
  let t: TestBridge;
  beforeAll(async () => {
    fs.writeFileSync(file, YAML.stringify({ dialect: {} }));
    t = await startTestBridge({ templates: [templateConfig('acme-standard', ACME_PASSWORD)] }, { configFile: file });
  });
  afterAll(async () => {
    await t.stop();
    temp.cleanup();
  });

  const reloads = () => t.logs.filter((l) => l.event === 'dialect.reload' || l.event === 'dialect.reload.refused');

  it('an unknown command type is understood once its alias is in the file; a wrong change keeps the current one', async () => {
    const before = await postDocument(t, unknownTypeDocument('s-1'));
    expect(before.text).toContain('<errorCode>4002</errorCode>');

    fs.writeFileSync(
      file,
      YAML.stringify({
        dialect: {
          commandAliases: { UserIMPAddRequest22: 'UserIntegratedIMPAddRequest' },
          fieldAliases: { mail: 'emailAddress' },
        },
      }),
    );
    await until('the dialect reload', () => reloads().length >= 1);
    expect(reloads()[0]).toMatchObject({ event: 'dialect.reload', commandAliases: 1, fieldAliases: 1 });

    const after = await postDocument(t, unknownTypeDocument('s-2'));
    expect(after.text).toContain('c:SuccessResponse');
    const [event] = await t.bridge.parts.store.events.listForUser('reload-user@acme.example', 1);
    expect(event).toMatchObject({ kind: 'assign' });
    expect(JSON.stringify(event)).toContain('alice@acme.example');

    fs.writeFileSync(file, YAML.stringify({ dialect: { fieldAliases: { mail: 'no-such-field' } } }));
    await until('the refused reload', () => reloads().length >= 2);
    expect(reloads()[1]).toMatchObject({
      event: 'dialect.reload.refused',
      problems: [expect.stringContaining('dialect.fieldAliases.mail: unknown field "no-such-field"')],
    });
    const still = await postDocument(t, unknownTypeDocument('s-3').replace('reload-user', 'reload-user-2'));
    expect(still.text).toContain('c:SuccessResponse');
  }, 60_000);
});
