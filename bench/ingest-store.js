// The store write of an accepted event alone (issue 12): the product's SQLite event log (its
// accept, the ownership reads before it, the event, job and head rows, the WAL flush off the
// event loop) against the ingest floor's one-row insert (WAL, synchronous=FULL), both committing
// 16 events per turn of the event loop as 16 kept-alive connections do. In alternating rounds, it
// prints each one's CPU time per event (this process and its threads: the flush and the
// checkpoint worker included) and the bytes it wrote per event (WAL, checkpoints and temporary
// files, from /proc/self/io), and the ratios: every b-tree an event touches is at least one page
// of its commit's flush.
'use strict';
/* global setImmediate */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Database = require('better-sqlite3');
const { createSqliteStore } = require(path.resolve(__dirname, '../dist/store'));

const PER_TURN = 16;
const TURNS = Number(process.env.BENCH_STORE_TURNS || 400);
const ROUNDS = Number(process.env.BENCH_STORE_ROUNDS || 4);
// Real AS traffic names users in no particular order: each event lands at another place of every per-user index.
const userId = () => `u${crypto.randomBytes(6).toString('hex')}@voip.example.net`;
const RAW = `POST /provisioning/v1/bench\ncontent-type: text/xml\n\n${'<x/>'.repeat(220)}`;

/** Bytes this process has handed to write(2) and friends so far (Linux), or undefined. */
function bytesWritten() {
  try {
    return Number(/^wchar: (\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'))[1]);
  } catch {
    return undefined;
  }
}

function productTarget(dir) {
  const store = createSqliteStore({ dataDir: dir });
  let n = 0;
  const one = async () => {
    const user = userId();
    const event = {
      kind: 'assign',
      template: 'bench',
      userId: user,
      enterpriseId: 'ent',
      profile: { firstName: 'B', lastName: String(n), email: `b${n}@example.net` },
    };
    n++;
    // What the flow-through path reads before it accepts: the user's record and latest event (ownership), in one statement.
    await store.events.ownershipOf(user);
    await store.events.accept(
      [{ event, requestId: `r${n}`, dedupeKey: crypto.hash('sha256', user, 'hex'), sourceAddress: '127.0.0.1', clientSubject: 'CN=as' }],
      {
        duplicateWindowSeconds: 300,
        rawRequest: RAW,
      },
    );
  };
  return {
    name: 'product',
    turn: () => Promise.all(Array.from({ length: PER_TURN }, one)),
    close: () => store.close(),
  };
}

function floorTarget(dir) {
  const file = path.join(dir, 'floor.sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, received_at INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO events (user_id, kind, body, received_at) VALUES (?, ?, ?, ?)');
  const commit = db.transaction((rows) => {
    for (const r of rows) insert.run(r, 'add', RAW, Date.now());
  });
  return {
    name: 'floor',
    turn: () =>
      new Promise((resolve) =>
        setImmediate(() => {
          commit(Array.from({ length: PER_TURN }, userId));
          resolve();
        }),
      ),
    close: async () => db.close(),
  };
}

async function measure(target) {
  const written0 = bytesWritten();
  const cpu0 = process.cpuUsage();
  for (let t = 0; t < TURNS; t++) await target.turn();
  const cpu = process.cpuUsage(cpu0);
  const written = written0 === undefined ? undefined : bytesWritten() - written0;
  return { cpuUs: cpu.user + cpu.system, events: TURNS * PER_TURN, written };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impb-bench-store-'));
  const targets = [productTarget(path.join(dir, 'product')), floorTarget(dir)];
  try {
    for (const t of targets) for (let w = 0; w < 100; w++) await t.turn();
    const totals = Object.fromEntries(targets.map((t) => [t.name, { cpuUs: 0, events: 0, written: 0 }]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of round % 2 ? [...targets].reverse() : targets) {
        const r = await measure(t);
        const sum = totals[t.name];
        sum.cpuUs += r.cpuUs;
        sum.events += r.events;
        sum.written = r.written === undefined ? undefined : sum.written + r.written;
      }
    }
    const summary = (s) => ({
      cpuUsPerEvent: +(s.cpuUs / s.events).toFixed(1),
      bytesWrittenPerEvent: s.written === undefined ? null : Math.round(s.written / s.events),
    });
    const product = summary(totals.product);
    const floor = summary(totals.floor);
    process.stdout.write(
      JSON.stringify({
        eventsPerCommit: PER_TURN,
        events: totals.product.events,
        product,
        floor,
        cpuRatio: +(product.cpuUsPerEvent / floor.cpuUsPerEvent).toFixed(2),
        bytesWrittenRatio:
          product.bytesWrittenPerEvent && floor.bytesWrittenPerEvent ? +(product.bytesWrittenPerEvent / floor.bytesWrittenPerEvent).toFixed(2) : null,
      }) + '\n',
    );
  } finally {
    for (const t of targets) await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
