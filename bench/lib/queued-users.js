// A queue of assigns for the drain benches (drain.js, rss.js, drain-instances.js), put through
// the store port as the flow-through endpoint commits them, and the worker that drains it in
// this process (drain.js, rss.js). Loads the compiled product from dist/ as it is required, so
// rss.js's idle baseline already holds those modules.
'use strict';
const path = require('node:path');
const { Agent } = require('undici');
const dist = path.resolve(__dirname, '../../dist');
const { createPipelineWorker } = require(path.join(dist, 'pipeline/worker'));
const { createRateLimiter } = require(path.join(dist, 'webex/pacing/rate-limiter'));
const { createWebexClient } = require(path.join(dist, 'webex/webex-client'));
const { createStaticTokenProvider } = require(path.join(dist, 'webex/tokens/token-provider'));
const { createSilentLogger } = require(path.join(dist, 'observability'));

/** The Webex for BroadWorks template the queued assigns name. */
function putBenchTemplate(store) {
  return store.templates.put({
    name: 'bench',
    enabled: true,
    targetApi: 'broadworks',
    provisioningId: 'P',
    package: 'standard',
    trustedEmail: false,
    enterpriseMode: true,
    recordMode: false,
    account: { username: 'a', passwordHash: 'x' },
  });
}

/**
 * `count` assigns of template `bench`, accepted `batchSize` at a time (one accept: events, jobs
 * and lanes in one transaction). `user(j)` gives the j-th one's userId and profile, and may
 * replace its rawRequest ('<x/>') and dedupeKey (`k<j>`).
 */
async function queueAssigns(store, count, user, batchSize = 1000) {
  for (let i = 0; i < count; i += batchSize) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + batchSize); j++) {
      const { userId, profile, rawRequest = '<x/>', dedupeKey = `k${j}` } = user(j);
      batch.push({ event: { kind: 'assign', template: 'bench', userId, enterpriseId: 'ent', profile }, requestId: `r${j}`, rawRequest, dedupeKey });
    }
    await store.events.accept(batch, { duplicateWindowSeconds: 0 });
  }
}

/**
 * The pipeline worker on `store` and the Webex client on `baseUrl` (a simulator), as wired in
 * the product: one rate limiter of `ratePerSecond` paces every HTTP exchange of the client.
 * Not started. `close()` closes the worker, then the client's connections.
 */
function createBenchWorker({ store, baseUrl, token, connections, concurrency, ratePerSecond }) {
  const dispatcher = new Agent({ connections });
  const limiter = createRateLimiter({ maxPerSecond: ratePerSecond });
  const client = createWebexClient({ baseUrl, dispatcher, tokens: createStaticTokenProvider(token, 'bench'), logger: createSilentLogger(), pacer: limiter });
  const settings = {
    concurrency,
    ratePerSecond,
    attemptHorizonMs: 3600000,
    pollInitialMs: 20,
    pollMaxMs: 1000,
    retryBaseMs: 200,
    retryMaxMs: 5000,
    idlePollMs: 20,
    leaseMs: 60000,
  };
  const worker = createPipelineWorker({ store, api: client, settings, logger: createSilentLogger() });
  return {
    worker,
    limiter,
    async close() {
      await worker.close(2000);
      await dispatcher.close();
    },
  };
}

module.exports = { createBenchWorker, putBenchTemplate, queueAssigns };
