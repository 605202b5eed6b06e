import net from 'node:net';
import { configSchema } from '../../src/config';
import { startImpBridge } from '../../src/main';
import { createSilentLogger } from '../../src/observability';
import { makeTempDir } from '../helpers/temp-dir';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));

describe('start-up failure', () => {
  it('rejects with a clear error when the admin port is taken, and releases what it had opened', async () => {
    const temp = makeTempDir();
    const busy = await listen(0);
    // A port known to be free now, so that after the failure we can check it was given back.
    const probe = await listen(0);
    const provisioningPort = (probe.address() as net.AddressInfo).port;
    await close(probe);
    try {
      const config = configSchema.parse({
        dataDir: temp.dir,
        provisioning: { host: '127.0.0.1', port: provisioningPort },
        admin: { host: '127.0.0.1', port: (busy.address() as net.AddressInfo).port },
      });
      await expect(startImpBridge({ config, logger: createSilentLogger() })).rejects.toMatchObject({
        code: 'IMPB_ERR_STARTUP',
        message: expect.stringMatching(/^admin listener cannot listen on 127\.0\.0\.1:\d+: the port is already in use$/),
      });
      const again = await listen(provisioningPort);
      await close(again);
    } finally {
      await close(busy);
      temp.cleanup();
    }
  });
});
