// The product in this process as the ingest benches (ingest.js, ingest-floor.js) drive it: its
// own certificates (written at the first start into dataDir), one template `bench` from config
// that the load authenticates to, and the pipeline paced at 1 call/s so that it stays out of the
// figures. Loads the compiled product's config schema from dist/.
'use strict';
/* global Buffer */
const path = require('node:path');
const dist = path.resolve(__dirname, '../../dist');

const USER = 'bench';
const PASSWORD = 'bench-password-1';
/**
 * Idle kept-alive connections stay open for the whole run, on every server and in the client.
 * With Node's and undici's defaults (5 s and 4 s) a target's connections idled out while the
 * other targets of ingest-floor.js ran their rounds, and the first target of the list reconnected
 * 48 times more than the others: mTLS handshakes inside its rounds, charged to its rate and p99.
 */
const KEEP_ALIVE_MS = 120_000;
const AUTHORIZATION = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

function ingestProductConfig(dataDir) {
  // Required here, not at the top: ingest.js loads the product only for its last measurement.
  const { configSchema } = require(path.join(dist, 'config'));
  return configSchema.parse({
    dataDir,
    logLevel: 'error',
    provisioning: { host: '127.0.0.1', port: 0, authFailureLimit: 1000, keepAliveTimeoutMs: KEEP_ALIVE_MS },
    admin: { host: '127.0.0.1', port: 0 },
    pipeline: { ratePerSecond: 1, concurrency: 1 },
    templates: [{ name: 'bench', provisioningId: 'P', package: 'standard', trustedEmail: true, account: { username: USER, password: PASSWORD } }],
  });
}

/** The events the in-process product has stored (its SQLite store). */
const storedEvents = (bridge) => bridge.parts.store.db.prepare('SELECT COUNT(*) AS n FROM inbound_events').get().n;

module.exports = { AUTHORIZATION, KEEP_ALIVE_MS, ingestProductConfig, storedEvents };
