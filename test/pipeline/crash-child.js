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
  const { dataDir, baseUrl, token, template, fault } = JSON.parse(process.env.CRASH_CHILD_OPTIONS);
  const store = createSqliteStore({ dataDir });
  await store.templates.put(template);
  const settings = {
    concurrency: 16,
    ratePerSecond: 400,
    attemptHorizonMs: 600000,
    pollInitialMs: 10,
    pollMaxMs: 100,
    retryBaseMs: 10,
    retryMaxMs: 500,
    idlePollMs: 20,
    leaseMs: 60000,
  };
  const pacer = createRateLimiter({ maxPerSecond: settings.ratePerSecond });
  const client = createWebexClient({
    baseUrl,
    dispatcher: new Agent({ connections: 32 }),
    tokens: createStaticTokenProvider(token, 'test'),
    logger: createSilentLogger(),
    pacer,
  });
  // crash-commit.test.ts: die between the Webex call and the commit of its outcome.
  if (fault) injectFault(fault, store, client);
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

/**
 * 'fail-then-die': the create reaches Webex, the bridge then treats the answer as a permanent
 * failure, and the process dies inside the unit of work that records it (after the job's write,
 * before the subscriber's): the unit must leave neither behind.
 * 'die-after-webex': the create reaches Webex and the process dies before anything is written.
 */
function injectFault(fault, store, client) {
  const { ImpbError } = require(path.join(dist, 'errors'));
  const create = client.broadworks.createSubscriber.bind(client.broadworks);
  client.broadworks.createSubscriber = async (...args) => {
    await create(...args);
    if (fault === 'die-after-webex') process.kill(process.pid, 'SIGKILL');
    throw new ImpbError('IMPB_ERR_WEBEX_REJECTED', { message: 'treated as rejected by the fault injection' });
  };
  // Dies when the failure reaches the subscriber record, through a unit of work or not.
  const dieOnFailedRecord =
    (upsert) =>
    async (record, ...rest) => {
      if (record.status === 'failed') {
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => undefined);
      }
      return upsert(record, ...rest);
    };
  store.subscribers.upsert = dieOnFailedRecord(store.subscribers.upsert.bind(store.subscribers));
  const transaction = store.transaction.bind(store);
  store.transaction = (work, options) =>
    transaction((tx) => work({ ...tx, subscribers: { ...tx.subscribers, upsert: dieOnFailedRecord(tx.subscribers.upsert.bind(tx.subscribers)) } }), options);
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
