import { SHARED_STATE_MIGRATIONS } from './shared-state-migrations';
import { LANES, STORE_TABLES } from './store-schema';

/**
 * The PostgreSQL schema, versioned in code as for SQLite. A migration is never edited once
 * released; a change is a new version. Each runs in one transaction (so no
 * `CREATE INDEX CONCURRENTLY` here), and each must leave the previous release able to run
 * (additive first, removals a release later), since instances upgrade one at a time.
 */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'shared Webex call budget',
    // One row per budget. The rate recovers additively after a halving: rate(t) =
    // min(max_rate, floor_rate + (t - last_decrease_at) * max_rate / 2 / recovery_seconds).
    sql: `
      CREATE TABLE call_budget (
        name text PRIMARY KEY,
        capacity double precision NOT NULL CHECK (capacity >= 1),
        max_rate double precision NOT NULL CHECK (max_rate > 0),
        min_rate double precision NOT NULL CHECK (min_rate > 0),
        recovery_seconds double precision NOT NULL CHECK (recovery_seconds > 0),
        floor_rate double precision NOT NULL,
        last_decrease_at timestamptz,
        decreases integer NOT NULL DEFAULT 0,
        tokens double precision NOT NULL,
        updated_at timestamptz NOT NULL,
        paused_until timestamptz,
        last_grant integer NOT NULL DEFAULT 0
      );
      CREATE FUNCTION call_budget_rate(b call_budget, at timestamptz) RETURNS double precision
        LANGUAGE sql STABLE AS $$
          SELECT CASE WHEN b.last_decrease_at IS NULL THEN b.max_rate
            ELSE LEAST(b.max_rate, b.floor_rate + GREATEST(0, EXTRACT(EPOCH FROM at - b.last_decrease_at)) * b.max_rate / 2 / b.recovery_seconds) END
        $$;
    `,
  },
  {
    version: 2,
    name: 'leader leases and the instance registry',
    sql: `
      CREATE TABLE leader_leases (
        name text PRIMARY KEY,
        owner text NOT NULL,
        token uuid NOT NULL,
        acquired_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE TABLE instances (
        id text PRIMARY KEY,
        version text NOT NULL,
        hostname text NOT NULL,
        started_at timestamptz NOT NULL,
        last_heartbeat timestamptz NOT NULL
      );
    `,
  },
  {
    version: 10,
    name: 'the store: events, requests, jobs, subscribers, customers, configuration, records (times as epoch ms)',
    sql: STORE_TABLES,
  },
  {
    version: 11,
    name: 'lanes: one row per BroadWorks user (its head job, due time, lease), kept by triggers on jobs',
    sql: LANES,
  },
  ...SHARED_STATE_MIGRATIONS,
];
