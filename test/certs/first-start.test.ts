import fs from 'node:fs';
import path from 'node:path';
import { certPaths, ensureFirstStartCertificates } from '../../src/certs';
import { captureLogger } from '../helpers/capture-logger';
import { makeTempDir } from '../helpers/temp-dir';
import { createTestCa, issueCert } from '../helpers/test-pki';

describe('first start: the development CA is made on the very first start only', () => {
  const pems = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.pem')) : []);

  async function start(dir: string) {
    const { logger, lines } = captureLogger('debug');
    const result = await ensureFirstStartCertificates({ dataDir: dir, keyType: 'rsa-2048', validDays: 30, logger });
    return { ...result, events: lines.map((l) => JSON.parse(l).event as string) };
  }

  it('first start generates it; a restart after every anchor was removed does not, and says the bundle is empty', async () => {
    const temp = makeTempDir();
    try {
      const first = await start(temp.dir);
      expect(first).toMatchObject({ generatedServer: true, generatedDevPki: true });
      const trustDir = certPaths(temp.dir).trustDir;
      for (const f of pems(trustDir)) fs.rmSync(path.join(trustDir, f));
      const restart = await start(temp.dir);
      expect(restart).toMatchObject({ generatedServer: false, generatedDevPki: false });
      expect(pems(trustDir)).toEqual([]);
      expect(restart.events).toContain('cert.trust.empty');
      expect(restart.events).not.toContain('cert.dev_trust.generated');
    } finally {
      temp.cleanup();
    }
  });

  it('a restart with only leaf pins left does not generate it', async () => {
    const temp = makeTempDir();
    try {
      await start(temp.dir);
      const paths = certPaths(temp.dir);
      for (const f of pems(paths.trustDir)) fs.rmSync(path.join(paths.trustDir, f));
      const pinned = await issueCert(await createTestCa('Pin issuer'), { commonName: 'pinned.example.net' });
      fs.mkdirSync(paths.pinDir, { recursive: true });
      fs.writeFileSync(path.join(paths.pinDir, 'pin-1.pem'), pinned.certPem);
      const restart = await start(temp.dir);
      expect(restart.generatedDevPki).toBe(false);
      expect(pems(paths.trustDir)).toEqual([]);
      expect(restart.events).not.toContain('cert.trust.empty');
    } finally {
      temp.cleanup();
    }
  });
});
