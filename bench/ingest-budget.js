// Where the product endpoint's time goes against the ingest floor (issue 12), measured as a
// ladder: the floor, then the floor with the product's own code put in one step at a time, up to
// the product itself. Every target is a server in this process, on the product's certificates,
// loaded by the same client process in alternating rounds; each step's figure is its main
// thread's busy time per request, and the step's cost is what it adds to the step before. The
// target of issue 12 (0.8 × the floor's rate) allows the product floor / 0.8 per request:
// `budget` is that headroom over the floor, `spent` what the product's checks take of it.
'use strict';
/* global Buffer */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { XMLValidator } = require('fast-xml-parser');
const { expectEveryRequestStored, floorRead, loadTargets, startCeiling, startFloor, target } = require('./lib/floor-servers');
const { ingestProductConfig, storedEvents } = require('./lib/ingest-product');
const dist = path.resolve(__dirname, '../dist');
const { refuseDeclarations, refuseHostileStructure, DEFAULT_STRUCTURE_LIMITS } = require(path.join(dist, 'inbound/xml/hostile-input-guards'));
const { decodeDocument } = require(path.join(dist, 'inbound/xml/decode-document'));
const { readDocumentBytes } = require(path.join(dist, 'inbound/xml/read-document-bytes'));
const { validateCommand } = require(path.join(dist, 'inbound/dialect/validate-command'));
const { dedupeKeyFor } = require(path.join(dist, 'inbound/apply-document'));
const { documentSecrets, headersForStorage, maskDocument, rawRequestText } = require(path.join(dist, 'inbound/mask-request'));
const { createSqliteStore } = require(path.join(dist, 'store'));

const REQUESTS = Number(process.env.BENCH_BUDGET_REQUESTS || 6000);
const WARMUP = Number(process.env.BENCH_BUDGET_WARMUP || 1500);
const ROUNDS = Number(process.env.BENCH_BUDGET_ROUNDS || 6);
const CONNECTIONS = 16;
const TARGET_RATE_RATIO = 0.8;
const TEMPLATE = { name: 'bench', account: { passwordHash: 'bench-hash' } };

/** Step 2: the product's hostile-input guards (declarations, encoding, structure limits), then the floor's parse. */
function guardedText(req) {
  const bytes = Buffer.from(req.body);
  refuseDeclarations(bytes.toString('latin1'));
  const { text } = decodeDocument(bytes, req.headers['content-type']);
  refuseHostileStructure(text, DEFAULT_STRUCTURE_LIMITS);
  return text;
}
const guardedRead = (req) => (guardedText(req), floorRead(req));

/** Step 3: and the well-formedness check (fast-xml-parser's validator: the parser itself accepts mismatched tags). */
const wellFormedRead = (req) => (XMLValidator.validate(guardedText(req)) === true ? floorRead(req) : undefined);

/** Step 4: the product's whole read in place of the floor's parse (namespace-resolved xsi:type, the dialect's document). */
const productRead = (maxCommands) => (req) => {
  const read = readDocumentBytes(Buffer.from(req.body), req.headers['content-type'], { limits: DEFAULT_STRUCTURE_LIMITS, maxCommands });
  const command = read.doc?.commands[0];
  if (!command?.spec) return undefined;
  return { sessionId: read.doc.sessionId, userId: command.fields.userId, kind: command.type, body: req.body, read, command };
};

/** Step 5: and the command's field validation, its duplicate key and the masked request text as stored. */
const checkedRead = (maxCommands) => {
  const read = productRead(maxCommands);
  return (req) => {
    const r = read(req);
    if (!r) return undefined;
    // The bench template is in enterprise mode: a command needs no groupId.
    const validated = validateCommand(r.command, { groupMode: false });
    if (!validated.ok) return undefined;
    const masked = maskDocument(r.read.parsed.text, documentSecrets(r.read.doc, undefined));
    const raw = rawRequestText(req.method, req.originalUrl, headersForStorage(req.headers), masked);
    return { ...r, body: raw, fields: validated.fields, dedupeKey: dedupeKeyFor(TEMPLATE, validated.kind, validated.fields) };
  };
};

/** Step 6: and the product's store in place of the floor's insert: the ownership read, then accept (duplicate window, request, event and job rows, the answer after the WAL flush). */
function productAccept(store) {
  return async (r) => {
    await store.events.ownershipOf(r.userId);
    const { fields } = r;
    const event = {
      kind: 'assign',
      template: TEMPLATE.name,
      userId: r.userId,
      enterpriseId: 'ent',
      profile: { firstName: fields.firstName, lastName: fields.lastName, email: fields.emailAddress },
    };
    await store.events.accept([{ event, requestId: r.sessionId, dedupeKey: r.dedupeKey, sourceAddress: '127.0.0.1', clientSubject: 'CN=bench' }], {
      duplicateWindowSeconds: 300,
      rawRequest: r.body,
    });
  };
}

async function main() {
  const { startImpBridge } = require(path.join(dist, 'main'));
  const { certPaths } = require(path.join(dist, 'certs'));
  const { createSilentLogger } = require(path.join(dist, 'observability'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'impb-bench-budget-'));
  const paths = certPaths(dataDir);
  const config = ingestProductConfig(dataDir);
  const maxCommands = config.provisioning.maxCommandsPerDocument;
  const storeDir = path.join(dataDir, 'step-store');
  fs.mkdirSync(storeDir);
  const store = createSqliteStore({ dataDir: storeDir });
  try {
    const bridge = await startImpBridge({ config, logger: createSilentLogger() });
    // Each step adds to the one before; the last step is the product itself.
    const servers = [
      ['ceiling', await startCeiling(paths), 'TLS, express and the body read, a fixed answer'],
      ['floor', await startFloor(paths, dataDir), 'the ingest floor of issue 12'],
      ['guards', await startFloor(paths, dataDir, { read: guardedRead }), '+ hostile-input guards: declarations, encoding, structure limits'],
      ['wellFormed', await startFloor(paths, dataDir, { read: wellFormedRead }), '+ well-formedness (the validator)'],
      [
        'namespaces',
        await startFloor(paths, dataDir, { read: productRead(maxCommands) }),
        "+ the product's read: xsi:type by namespace URI, the dialect's document",
      ],
      ['fields', await startFloor(paths, dataDir, { read: checkedRead(maxCommands) }), '+ field validation, duplicate key, masking of the stored text'],
      [
        'store',
        await startFloor(paths, dataDir, { read: checkedRead(maxCommands), accept: productAccept(store) }),
        "+ the product's store: ownership, duplicate window, request, event and job rows",
      ],
    ];
    let result;
    try {
      result = await loadTargets([...servers.map(([name, server]) => target(name, server.port)), target('product', bridge.provisioningAddress.port)], paths, {
        connections: CONNECTIONS,
        rounds: ROUNDS,
        requests: REQUESTS,
        warmup: WARMUP,
      });
      const stored = Object.fromEntries(servers.slice(1).map(([name, server]) => [name, server.count()]));
      expectEveryRequestStored(result, { ...stored, product: storedEvents(bridge) }, WARMUP);
    } finally {
      for (const [, server] of servers) await server.close();
      await bridge.stop();
    }
    const steps = [
      ...servers.map(([name, , what]) => [name, what]),
      [
        'product',
        '+ the rest of the product: routing, request context, the gates (template, throttle, client, account), the apply loop, the answer document, metrics',
      ],
    ];
    const mainUs = (name) => result[name].mainThreadUsPerRequest;
    const floorUs = mainUs('floor');
    const ladder = steps.map(([name, what], i) => ({
      step: name,
      what,
      perSecond: result[name].perSecond,
      p99Ms: result[name].p99Ms,
      mainThreadUsPerRequest: mainUs(name),
      cpuUsPerRequest: result[name].cpuUsPerRequest,
      addsUs: i === 0 ? null : mainUs(name) - mainUs(steps[i - 1][0]),
    }));
    const budgetUs = Math.round(floorUs / TARGET_RATE_RATIO - floorUs);
    process.stdout.write(
      JSON.stringify({
        requests: result.floor.requests,
        ladder,
        budgetUs,
        spentUs: mainUs('product') - floorUs,
        spentOfBudget: +((mainUs('product') - floorUs) / budgetUs).toFixed(2),
        rateRatio: +(result.product.perSecond / result.floor.perSecond).toFixed(3),
      }) + '\n',
    );
  } finally {
    store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
