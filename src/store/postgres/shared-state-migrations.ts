/**
 * Versions 20..29: the state several instances share besides the store's own tables
 * (certificates, the generated admin token, console sessions, auth-failure counters).
 * Private keys and the admin token are in `certificate_state` and `deployment_secrets`: new
 * tables grant nothing to PUBLIC, so only the owning role (and superusers) can read them; the
 * REVOKE says so explicitly in case the schema has default privileges that grant more.
 */
// Shaped as PgMigration (migrations.ts), which imports this list.
export const SHARED_STATE_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 20,
    name: 'shared certificates, admin token, console sessions and auth failures',
    sql: `
      CREATE TABLE certificate_state (
        name text PRIMARY KEY,
        version bigint NOT NULL CHECK (version > 0),
        digest text NOT NULL,
        snapshot text NOT NULL,
        instance text NOT NULL,
        reason text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE TABLE deployment_secrets (
        name text PRIMARY KEY,
        value text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      REVOKE ALL ON certificate_state, deployment_secrets FROM PUBLIC;
      CREATE TABLE console_sessions (
        id_hash text PRIMARY KEY,
        csrf_token text NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
      CREATE TABLE auth_failures (
        id bigserial PRIMARY KEY,
        scope text NOT NULL,
        bucket text NOT NULL,
        instance text NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX auth_failures_time ON auth_failures (failed_at);
    `,
  },
];
