/**
 * The state lists are spelled out, not taken from the domain: an applied migration never
 * changes, whatever the domain's lists become (a new state is a new migration).
 */
const HEADS = "('queued','running','retry_wait','polling','awaiting_credentials')";
const REST = "('running','retry_wait','queued')";

/**
 * The store's tables (migration 10). Times are BIGINT epoch ms of the store's clock, so that
 * the injected clock (tests drive it) decides every due time, lease and retention cutoff. No
 * foreign keys: retention deletes in small batches and ingest writes three tables in one
 * statement. The request text is stored once per request (`requests`), as SQLite migration 5.
 */
export const STORE_TABLES = `
  CREATE TABLE requests (
    id bigserial PRIMARY KEY,
    received_at bigint NOT NULL,
    request_id text NOT NULL,
    raw_request text NOT NULL
  );
  CREATE INDEX requests_received ON requests (received_at);

  CREATE TABLE inbound_events (
    id bigserial PRIMARY KEY,
    received_at bigint NOT NULL,
    request_id text NOT NULL,
    template text NOT NULL,
    kind text NOT NULL,
    user_id text NOT NULL,
    enterprise_id text NOT NULL,
    event_json text NOT NULL,
    request_ref bigint,
    dedupe_key text NOT NULL,
    sub_path text,
    source_address text,
    client_subject text
  );
  CREATE INDEX inbound_events_user ON inbound_events (user_id, id);
  CREATE INDEX inbound_events_received ON inbound_events (received_at);
  CREATE INDEX inbound_events_request ON inbound_events (request_ref);

  CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    event_id bigint NOT NULL,
    kind text NOT NULL,
    template text NOT NULL,
    user_id text NOT NULL,
    enterprise_id text NOT NULL,
    state text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_run_at bigint NOT NULL,
    lookup_first boolean NOT NULL DEFAULT false,
    payload_json text NOT NULL,
    last_error_json text,
    tracking_id text,
    lease_owner text,
    lease_token uuid,
    lease_expires_at bigint,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX jobs_user_heads ON jobs (user_id, id) WHERE state IN ${HEADS};
  CREATE INDEX jobs_state ON jobs (state, id);
  CREATE INDEX jobs_state_updated ON jobs (state, updated_at);
  CREATE INDEX jobs_event ON jobs (event_id);

  CREATE TABLE subscribers (
    user_id text PRIMARY KEY,
    template text NOT NULL,
    enterprise_id text NOT NULL,
    webex_subscriber_id text,
    customer_id text,
    person_id text,
    org_id text,
    email text,
    package text,
    status text NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    last_tracking_id text,
    last_error_code text,
    last_error_description text,
    last_status_change bigint NOT NULL,
    profile_json text NOT NULL DEFAULT '{}',
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX subscribers_template ON subscribers (template, status);
  CREATE INDEX subscribers_enterprise ON subscribers (enterprise_id);

  CREATE TABLE customers (
    enterprise_id text PRIMARY KEY,
    template text NOT NULL,
    webex_customer_id text,
    org_id text,
    status text NOT NULL,
    location_url text,
    admin_user_id text,
    created_by_bridge boolean NOT NULL DEFAULT false,
    last_tracking_id text,
    last_error text,
    last_error_code text,
    creation_owner text,
    creation_expires_at bigint,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );

  CREATE TABLE templates (name text PRIMARY KEY, body_json text NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL);
  CREATE TABLE clusters (name text PRIMARY KEY, body_json text NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL);
  CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL, updated_at bigint NOT NULL);

  CREATE TABLE audit (
    id bigserial PRIMARY KEY,
    at bigint NOT NULL,
    actor text NOT NULL,
    entity_type text NOT NULL,
    entity_id text NOT NULL,
    action text NOT NULL,
    before_json text,
    after_json text,
    tracking_id text,
    detail text
  );
  CREATE INDEX audit_entity ON audit (entity_type, entity_id, id);
  CREATE INDEX audit_at ON audit (at);

  CREATE TABLE unknown_requests (
    id bigserial PRIMARY KEY,
    received_at bigint NOT NULL,
    request_id text NOT NULL,
    template text NOT NULL,
    kind text NOT NULL,
    reason text NOT NULL,
    headers_json text NOT NULL,
    body text NOT NULL,
    response text
  );
  CREATE INDEX unknown_requests_received ON unknown_requests (received_at);

  CREATE TABLE webex_calls (
    id bigserial PRIMARY KEY,
    at bigint NOT NULL,
    job_id bigint,
    user_id text,
    enterprise_id text,
    operation text NOT NULL,
    method text NOT NULL,
    path text NOT NULL,
    http_status integer,
    tracking_id text NOT NULL,
    error_code text,
    description text,
    duration_ms integer
  );
  CREATE INDEX webex_calls_user ON webex_calls (user_id, id);
  CREATE INDEX webex_calls_enterprise ON webex_calls (enterprise_id, id);
  CREATE INDEX webex_calls_at ON webex_calls (at);

  CREATE TABLE shadow_records (
    id bigserial PRIMARY KEY,
    received_at bigint NOT NULL,
    template text NOT NULL,
    request_id text NOT NULL,
    understood boolean NOT NULL,
    record_json text NOT NULL
  );
  CREATE INDEX shadow_records_template_received ON shadow_records (template, received_at);
  CREATE INDEX shadow_records_received ON shadow_records (received_at);
`;

/**
 * Lanes (migration 11): one row per user with an unfinished (or parked) job: its head (oldest
 * such job), the head's state, when it is due (a running head: when its lease expires), and the
 * head's lease. `rank` orders claims: 0 due status polls, 1 other claimable work, NULL parked.
 * Triggers keep the row current whoever writes jobs. Writers of an existing job lock the lane
 * first (claims with SKIP LOCKED), so the head a trigger reads after the lock is the committed
 * one; ingest locks an existing lane with a no-op ON CONFLICT update (`WHERE false` still
 * locks), so a lane being emptied by a finishing job cannot lose the job just inserted.
 */
export const LANES = `
  CREATE TABLE lanes (
    user_id text PRIMARY KEY,
    head_job_id bigint NOT NULL,
    state text NOT NULL,
    rank smallint,
    due_at bigint NOT NULL,
    lease_owner text,
    lease_token uuid,
    lease_expires_at bigint
  );
  CREATE INDEX lanes_ready ON lanes (rank, due_at, head_job_id) WHERE rank IS NOT NULL;
  CREATE INDEX lanes_token ON lanes (lease_token) WHERE lease_token IS NOT NULL;
  CREATE INDEX lanes_owner ON lanes (lease_owner) WHERE lease_owner IS NOT NULL;
  CREATE INDEX lanes_head ON lanes (head_job_id);

  CREATE FUNCTION lane_rank(state text) RETURNS smallint LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN state = 'polling' THEN 0 WHEN state IN ${REST} THEN 1 END::smallint
  $$;

  CREATE FUNCTION lanes_refresh(u text) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE h record;
  BEGIN
    SELECT id, state, next_run_at, lease_owner, lease_token, lease_expires_at INTO h FROM jobs
      WHERE user_id = u AND state IN ${HEADS} ORDER BY id LIMIT 1;
    IF NOT FOUND THEN
      DELETE FROM lanes WHERE user_id = u;
      RETURN;
    END IF;
    INSERT INTO lanes AS l (user_id, head_job_id, state, rank, due_at, lease_owner, lease_token, lease_expires_at)
    VALUES (u, h.id, h.state, lane_rank(h.state),
      CASE WHEN h.state = 'running' THEN COALESCE(h.lease_expires_at, 0) ELSE h.next_run_at END,
      CASE WHEN h.state = 'running' THEN h.lease_owner END, CASE WHEN h.state = 'running' THEN h.lease_token END,
      CASE WHEN h.state = 'running' THEN h.lease_expires_at END)
    ON CONFLICT (user_id) DO UPDATE SET head_job_id = EXCLUDED.head_job_id, state = EXCLUDED.state, rank = EXCLUDED.rank, due_at = EXCLUDED.due_at,
      lease_owner = EXCLUDED.lease_owner, lease_token = EXCLUDED.lease_token, lease_expires_at = EXCLUDED.lease_expires_at;
  END $$;

  CREATE FUNCTION jobs_lanes_row() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM lanes_refresh(OLD.user_id);
    IF TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id THEN PERFORM lanes_refresh(NEW.user_id); END IF;
    RETURN NULL;
  END $$;

  CREATE FUNCTION jobs_lanes_insert() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    -- Sorted by user: two batches of other instances lock their lanes in one order (no deadlock).
    INSERT INTO lanes AS l (user_id, head_job_id, state, rank, due_at)
      SELECT DISTINCT ON (user_id) user_id, id, state, lane_rank(state), CASE WHEN state = 'running' THEN 0 ELSE next_run_at END
      FROM new_jobs WHERE state IN ${HEADS} ORDER BY user_id, id
    ON CONFLICT (user_id) DO UPDATE SET head_job_id = l.head_job_id WHERE false;
    RETURN NULL;
  END $$;

  CREATE TRIGGER jobs_lanes_update AFTER UPDATE OF state, next_run_at, user_id, lease_owner, lease_token, lease_expires_at ON jobs
    FOR EACH ROW WHEN (OLD.state IN ${HEADS} OR NEW.state IN ${HEADS}) EXECUTE FUNCTION jobs_lanes_row();
  CREATE TRIGGER jobs_lanes_delete AFTER DELETE ON jobs
    FOR EACH ROW WHEN (OLD.state IN ${HEADS}) EXECUTE FUNCTION jobs_lanes_row();
  CREATE TRIGGER jobs_lanes_insert AFTER INSERT ON jobs REFERENCING NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_lanes_insert();
`;
