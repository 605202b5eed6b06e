// Child process of crash.test.ts: the compiled store and worker (dist/) behind a tiny HTTP
// ingest endpoint. An event is acknowledged (200) only after store.events.accept committed it.
'use strict';
const http = require('node:http');
const path = require('node:path');
const { Agent } = require('undici');

const dist = path.resolve(__dirname, '../../dist');
const { createSqliteStore } = require(path.join(dist, 'store'));
const { createPipelineWorker } = require(path.join(dist, 'pipeline/worker'));
const { createRateLimiter } = require(path.join(dist, 'webex/pacing/rate-limiter'));
const { createWebexClient } = require(path.join(dist, 'webex/webex-client'));
const { createStaticTokenProvider } = require(path.join(dist, 'webex/tokens/token-provider'));
const { createSilentLogger } = require(path.join(dist, 'observability'));

async function main() {
  const { dataDir, baseUrl, token, template } = JSON.parse(process.env.CRASH_CHILD_OPTIONS);
  const store = createSqliteStore({ dataDir });
  await store.templates.put(template);
  const settings = { concurrency: 16, ratePerSecond: 400, attemptHorizonMs: 600000, pollInitialMs: 10, pollMaxMs: 100, retryBaseMs: 10, retryMaxMs: 500, idlePollMs: 20 };
  const pacer = createRateLimiter({ maxPerSecond: settings.ratePerSecond });
  const client = createWebexClient({ baseUrl, dispatcher: new Agent({ connections: 32 }), tokens: createStaticTokenProvider(token, 'test'), logger: createSilentLogger(), pacer });
  const worker = createPipelineWorker({ store, api: client, settings, logger: createSilentLogger() });
  await worker.start();

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      try {
        if (req.url === '/idle') {
          await worker.whenIdle({ includeFuture: true, timeoutMs: 90000 });
          res.end(JSON.stringify(await store.jobs.countByState()));
          return;
        }
        const input = JSON.parse(body);
        const [out] = await store.events.accept([input], { duplicateWindowSeconds: 300 });
        worker.wake();
        res.end(JSON.stringify(out));
      } catch (err) {
        res.statusCode = 500;
        res.end(String(err && err.message));
      }
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${server.address().port}\n`));
  process.on('SIGTERM', async () => {
    server.close();
    await worker.close(5000);
    await store.close();
    process.exit(0);
  });
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
