import fs from 'node:fs';
import path from 'node:path';
import { exportFixtures } from '../../src/cli/commands/export-fixtures';
import { createSqliteStore } from '../../src/store';
import { makeTempDir } from '../helpers/temp-dir';

describe('unknown-requests export', () => {
  it('writes stored requests as fixture folders a golden test can read', async () => {
    const temp = makeTempDir();
    const store = createSqliteStore({ dataDir: temp.dir });
    try {
      await store.unknownRequests.add({
        requestId: 'r-1',
        template: 'acme',
        kind: 'recorded',
        reason: 'record mode',
        headers: { 'content-type': 'text/xml' },
        body: '<BroadsoftDocument><impPassword>[REDACTED]</impPassword></BroadsoftDocument>',
        response: '<BroadsoftDocument>ok</BroadsoftDocument>',
      });
      await store.unknownRequests.add({ requestId: 'r-2', template: 'acme', kind: 'unknown', reason: 'unknown command type X', headers: {}, body: '<x/>' });
      const out = path.join(temp.dir, 'fixtures');
      const written = exportFixtures(await store.unknownRequests.list({ kind: 'recorded' }), out);
      expect(written).toHaveLength(1);
      const dir = written[0]!;
      expect(path.basename(dir)).toBe('recorded-1-acme');
      expect(fs.readFileSync(path.join(dir, 'request.xml'), 'utf8')).toContain('[REDACTED]');
      expect(fs.readFileSync(path.join(dir, 'response.xml'), 'utf8')).toBe('<BroadsoftDocument>ok</BroadsoftDocument>');
      expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toMatch(/^Recorded from template acme at .* \(request r-1\): record mode\.\n$/);
    } finally {
      await store.close();
      temp.cleanup();
    }
  });
});
