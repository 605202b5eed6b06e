/* eslint-disable max-lines -- the append-only migration history: released entries are never edited or moved, only added */
import type Database from 'better-sqlite3';

/**
 * Schema migrations, versioned in code. Append new entries; never edit an applied one.
 * The applied version is kept in SQLite's `user_version`.
 */
export interface Migration {
  version: number;
  name: string;
  up: (db: Database.Database) => void;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    // eslint-disable-next-line max-lines-per-function -- the first migration's DDL: append-only history, never edited once released
    up: (db) => {
      db.exec(`
        CREATE TABLE inbound_events (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          received_at TEXT NOT NULL,
          request_id TEXT NOT NULL,
          template TEXT NOT NULL,
          kind TEXT NOT NULL,
          user_id TEXT NOT NULL,
          enterprise_id TEXT NOT NULL,
          event_json TEXT NOT NULL,
          raw_request TEXT NOT NULL,
          dedupe_key TEXT NOT NULL,
          sub_path TEXT,
          source_address TEXT,
          client_subject TEXT
        );
        CREATE INDEX inbound_events_dedupe ON inbound_events(dedupe_key, received_at);
        CREATE INDEX inbound_events_user ON inbound_events(user_id, id);

        CREATE TABLE jobs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          event_id INTEGER NOT NULL,
          kind TEXT NOT NULL,
          template TEXT NOT NULL,
          user_id TEXT NOT NULL,
          enterprise_id TEXT NOT NULL,
          state TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_run_at INTEGER NOT NULL,
          lookup_first INTEGER NOT NULL DEFAULT 0,
          payload_json TEXT NOT NULL,
          last_error_json TEXT,
          tracking_id TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX jobs_state_next ON jobs(state, next_run_at);
        CREATE INDEX jobs_user ON jobs(user_id, id);

        CREATE TABLE subscribers (
          user_id TEXT PRIMARY KEY,
          template TEXT NOT NULL,
          enterprise_id TEXT NOT NULL,
          webex_subscriber_id TEXT,
          customer_id TEXT,
          person_id TEXT,
          org_id TEXT,
          email TEXT,
          package TEXT,
          status TEXT NOT NULL,
          is_active INTEGER NOT NULL DEFAULT 1,
          last_tracking_id TEXT,
          last_error_code TEXT,
          last_error_description TEXT,
          last_status_change TEXT NOT NULL,
          profile_json TEXT NOT NULL DEFAULT '{}',
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX subscribers_template ON subscribers(template, status);
        CREATE INDEX subscribers_enterprise ON subscribers(enterprise_id);

        CREATE TABLE customers (
          enterprise_id TEXT PRIMARY KEY,
          template TEXT NOT NULL,
          webex_customer_id TEXT,
          org_id TEXT,
          status TEXT NOT NULL,
          location_url TEXT,
          admin_user_id TEXT,
          last_tracking_id TEXT,
          last_error TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );

        CREATE TABLE templates (
          name TEXT PRIMARY KEY,
          body_json TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );

        CREATE TABLE clusters (
          name TEXT PRIMARY KEY,
          body_json TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );

        CREATE TABLE audit (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at TEXT NOT NULL,
          actor TEXT NOT NULL,
          entity_type TEXT NOT NULL,
          entity_id TEXT NOT NULL,
          action TEXT NOT NULL,
          before_json TEXT,
          after_json TEXT,
          tracking_id TEXT,
          detail TEXT
        );
        CREATE INDEX audit_entity ON audit(entity_type, entity_id, id);

        CREATE TABLE unknown_requests (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          received_at TEXT NOT NULL,
          request_id TEXT NOT NULL,
          template TEXT NOT NULL,
          kind TEXT NOT NULL,
          reason TEXT NOT NULL,
          headers_json TEXT NOT NULL,
          body TEXT NOT NULL,
          response TEXT
        );

        CREATE TABLE webex_calls (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at TEXT NOT NULL,
          job_id INTEGER,
          user_id TEXT,
          enterprise_id TEXT,
          operation TEXT NOT NULL,
          method TEXT NOT NULL,
          path TEXT NOT NULL,
          http_status INTEGER,
          tracking_id TEXT NOT NULL,
          error_code TEXT,
          description TEXT,
          duration_ms INTEGER
        );
        CREATE INDEX webex_calls_user ON webex_calls(user_id, id);
        CREATE INDEX webex_calls_enterprise ON webex_calls(enterprise_id, id);

        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: 'per-user job heads: claiming stays O(batch) with 100,000 queued jobs',
    up: (db) => {
      // The head of a user's queue is their oldest unfinished job. Triggers keep job_heads
      // current whoever writes to jobs (inbound accept, admin enqueue, pipeline updates), so
      // claiming reads a few index entries instead of grouping every unfinished job.
      db.exec(`
        CREATE INDEX jobs_user_unfinished ON jobs(user_id, id) WHERE state IN ('queued','running','retry_wait','polling');
        CREATE TABLE job_heads (
          user_id TEXT PRIMARY KEY,
          job_id INTEGER NOT NULL,
          state TEXT NOT NULL,
          next_run_at INTEGER NOT NULL
        );
        CREATE INDEX job_heads_due ON job_heads(next_run_at, job_id);
        CREATE INDEX job_heads_job ON job_heads(job_id);
        INSERT INTO job_heads (user_id, job_id, state, next_run_at)
          SELECT j.user_id, j.id, j.state, j.next_run_at FROM jobs j
          JOIN (SELECT user_id, MIN(id) AS id FROM jobs WHERE state IN ('queued','running','retry_wait','polling') GROUP BY user_id) h ON h.id = j.id;

        CREATE TRIGGER jobs_head_insert AFTER INSERT ON jobs
        WHEN NEW.state IN ('queued','running','retry_wait','polling')
        BEGIN
          INSERT OR IGNORE INTO job_heads (user_id, job_id, state, next_run_at) VALUES (NEW.user_id, NEW.id, NEW.state, NEW.next_run_at);
        END;

        CREATE TRIGGER jobs_head_update AFTER UPDATE OF state, next_run_at, user_id ON jobs
        BEGIN
          DELETE FROM job_heads WHERE user_id IN (OLD.user_id, NEW.user_id);
          INSERT INTO job_heads (user_id, job_id, state, next_run_at)
            SELECT user_id, id, state, next_run_at FROM jobs
            WHERE user_id = OLD.user_id AND state IN ('queued','running','retry_wait','polling') ORDER BY id LIMIT 1;
          INSERT OR IGNORE INTO job_heads (user_id, job_id, state, next_run_at)
            SELECT user_id, id, state, next_run_at FROM jobs
            WHERE user_id = NEW.user_id AND state IN ('queued','running','retry_wait','polling') ORDER BY id LIMIT 1;
        END;

        CREATE TRIGGER jobs_head_delete AFTER DELETE ON jobs
        BEGIN
          DELETE FROM job_heads WHERE user_id = OLD.user_id;
          INSERT INTO job_heads (user_id, job_id, state, next_run_at)
            SELECT user_id, id, state, next_run_at FROM jobs
            WHERE user_id = OLD.user_id AND state IN ('queued','running','retry_wait','polling') ORDER BY id LIMIT 1;
        END;

        CREATE INDEX audit_at ON audit(at);
        CREATE INDEX jobs_event ON jobs(event_id);
      `);
    },
  },
  {
    version: 3,
    name: 'job heads by state: due status polls are claimed before a backlog of new work',
    up: (db) => {
      db.exec('CREATE INDEX job_heads_state_due ON job_heads(state, next_run_at, job_id);');
    },
  },
  {
    version: 4,
    name: 'customers remember that the bridge created them (whether or not the POST answer was saved) and the errorCode of their failure',
    up: (db) => {
      // Until now the Location URL was the only sign; a customer the bridge followed is one it created.
      db.exec(`
        ALTER TABLE customers ADD COLUMN created_by_bridge INTEGER NOT NULL DEFAULT 0;
        UPDATE customers SET created_by_bridge = 1 WHERE location_url IS NOT NULL;
        ALTER TABLE customers ADD COLUMN last_error_code TEXT;
      `);
    },
  },
  {
    version: 5,
    name: 'leased claims; each inbound request stored once and referenced by its events; retention indexes',
    up: (db) => {
      // A running head is claimable again once its lease expires: job_heads.next_run_at holds
      // the lease expiry for running heads. Jobs a previous release left running have none
      // (0), so the first claim takes them over with lookupFirst, as the start-up recovery did.
      db.exec(`
        ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
        ALTER TABLE jobs ADD COLUMN lease_token TEXT;
        ALTER TABLE jobs ADD COLUMN lease_expires_at INTEGER;
        CREATE TABLE requests (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          received_at TEXT NOT NULL,
          request_id TEXT NOT NULL,
          raw_request TEXT NOT NULL
        );
        CREATE INDEX requests_received ON requests(received_at);
        ALTER TABLE inbound_events ADD COLUMN request_ref INTEGER REFERENCES requests(id);
        CREATE INDEX inbound_events_request ON inbound_events(request_ref);
        CREATE INDEX inbound_events_received ON inbound_events(received_at);
        -- No new index on jobs: every job write would pay for it. Retention and bulk retry
        -- select by state through jobs_state_next.
        CREATE INDEX webex_calls_at ON webex_calls(at);
        CREATE INDEX unknown_requests_received ON unknown_requests(received_at);
      `);
      // A job parked for Webex credentials still heads its user's queue: a later unassign must
      // not overtake a parked assign. The head triggers of migration 2 are redrawn with it.
      const heads = "('queued','running','retry_wait','polling','awaiting_credentials')";
      const due = "CASE WHEN state = 'running' THEN COALESCE(lease_expires_at, 0) ELSE next_run_at END";
      db.exec(`
        DROP TRIGGER jobs_head_insert;
        DROP TRIGGER jobs_head_update;
        DROP TRIGGER jobs_head_delete;
        CREATE TRIGGER jobs_head_insert AFTER INSERT ON jobs
        WHEN NEW.state IN ${heads}
        BEGIN
          INSERT OR IGNORE INTO job_heads (user_id, job_id, state, next_run_at)
            VALUES (NEW.user_id, NEW.id, NEW.state, CASE WHEN NEW.state = 'running' THEN COALESCE(NEW.lease_expires_at, 0) ELSE NEW.next_run_at END);
        END;
        CREATE TRIGGER jobs_head_update AFTER UPDATE OF state, next_run_at, user_id, lease_expires_at ON jobs
        BEGIN
          DELETE FROM job_heads WHERE user_id IN (OLD.user_id, NEW.user_id);
          INSERT INTO job_heads (user_id, job_id, state, next_run_at)
            SELECT user_id, id, state, ${due} FROM jobs
            WHERE user_id = OLD.user_id AND state IN ${heads} ORDER BY id LIMIT 1;
          INSERT OR IGNORE INTO job_heads (user_id, job_id, state, next_run_at)
            SELECT user_id, id, state, ${due} FROM jobs
            WHERE user_id = NEW.user_id AND state IN ${heads} ORDER BY id LIMIT 1;
        END;
        CREATE TRIGGER jobs_head_delete AFTER DELETE ON jobs
        BEGIN
          DELETE FROM job_heads WHERE user_id = OLD.user_id;
          INSERT INTO job_heads (user_id, job_id, state, next_run_at)
            SELECT user_id, id, state, ${due} FROM jobs
            WHERE user_id = OLD.user_id AND state IN ${heads} ORDER BY id LIMIT 1;
        END;
        DROP INDEX jobs_user_unfinished;
        CREATE INDEX jobs_user_unfinished ON jobs(user_id, id) WHERE state IN ${heads};
        DELETE FROM job_heads;
        INSERT INTO job_heads (user_id, job_id, state, next_run_at)
          SELECT j.user_id, j.id, j.state, CASE WHEN j.state = 'running' THEN COALESCE(j.lease_expires_at, 0) ELSE j.next_run_at END FROM jobs j
          JOIN (SELECT user_id, MIN(id) AS id FROM jobs WHERE state IN ${heads} GROUP BY user_id) h ON h.id = j.id;
      `);
    },
  },
  {
    version: 6,
    name: 'shadow records: how the dialect read each request a shadow template relayed (dialect coverage)',
    up: (db) => {
      db.exec(`
        CREATE TABLE shadow_records (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          received_at TEXT NOT NULL,
          template TEXT NOT NULL,
          request_id TEXT NOT NULL,
          understood INTEGER NOT NULL,
          record_json TEXT NOT NULL
        );
        CREATE INDEX shadow_records_template_received ON shadow_records(template, received_at);
        CREATE INDEX shadow_records_received ON shadow_records(received_at);
      `);
    },
  },
  {
    version: 7,
    name: 'create once per enterprise: the claim on a customer row (owner, expiry in epoch ms)',
    up: (db) => db.exec('ALTER TABLE customers ADD COLUMN creation_owner TEXT; ALTER TABLE customers ADD COLUMN creation_expires_at INTEGER;'),
  },
  {
    version: 8,
    // Nothing reads it since the duplicate rule looks at the user's latest event (inbound_events_user);
    // each accepted event paid an insert at a random place in it (a SHA-256 key), and its page in the WAL flush.
    name: 'ingest: drop the unused dedupe-key index of inbound_events',
    up: (db) => db.exec('DROP INDEX IF EXISTS inbound_events_dedupe;'),
  },
  {
    version: 9,
    // Every b-tree an accepted event touches is at least one page of its commit's WAL flush (and
    // of the checkpoint after it), and one keyed by user is a page per event, since an AS names its
    // users in no particular order. Each event inserted a head (the jobs insert trigger) into a
    // rowid table plus its user_id key, and job_heads_due, which nothing reads since migration 3
    // (claims and the next due time use job_heads_state_due). Two per-user jobs indexes, jobs_user
    // (a user's jobs) and jobs_user_unfinished (their first unfinished one, for the head triggers
    // and pendingForUser), become one keyed by state as well: the first unfinished job is still
    // found without reading the user's ended ones.
    name: 'ingest: job heads keyed by user alone (WITHOUT ROWID); one per-user jobs index instead of two; the unused due-time index dropped',
    up: (db) => {
      // The 12-step table change of sqlite.org/lang_altertable.html: the triggers on jobs name
      // job_heads, so the rename must not check them against the table dropped just before it.
      db.pragma('legacy_alter_table = ON');
      try {
        db.exec(`
          CREATE TABLE job_heads_v9 (
            user_id TEXT PRIMARY KEY,
            job_id INTEGER NOT NULL,
            state TEXT NOT NULL,
            next_run_at INTEGER NOT NULL
          ) WITHOUT ROWID;
          INSERT INTO job_heads_v9 (user_id, job_id, state, next_run_at) SELECT user_id, job_id, state, next_run_at FROM job_heads;
          DROP TABLE job_heads;
          ALTER TABLE job_heads_v9 RENAME TO job_heads;
          CREATE INDEX job_heads_job ON job_heads(job_id);
          CREATE INDEX job_heads_state_due ON job_heads(state, next_run_at, job_id);
          CREATE INDEX jobs_user_state ON jobs(user_id, state, id);
          DROP INDEX jobs_user;
          DROP INDEX jobs_user_unfinished;
        `);
      } finally {
        db.pragma('legacy_alter_table = OFF');
      }
    },
  },
];

export function migrate(db: Database.Database, migrations: Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = migrations.filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  for (const migration of pending) {
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return pending.length ? pending[pending.length - 1].version : current;
}
