import type { AcceptedEvent, Cluster, EventKind, JobState, ProvisioningEvent, ShadowRecord, Template } from '../domain';

export type { JobState } from '../domain';

/**
 * The storage port. Every method is async so that a PostgreSQL implementation can follow
 * the embedded SQLite one without touching the domain or the pipeline.
 *
 * Time: one representation. Every time the port is given (`now`, `nextRunAt`, `leaseMs`, an
 * audit or call-log `at`, `since`) and every time it returns (createdAt, updatedAt, receivedAt,
 * lastStatusChange, audit and JobError `at`, …) is epoch milliseconds (a number) of the injected
 * Clock. ISO-8601 text is rendered at the edges only (admin API JSON, CLI output), through
 * `toIsoTime`/`presentTimes` (`domain/time-presenter.ts`); an adapter may store text or integers.
 */
export interface Store extends Repositories {
  /**
   * A unit of work: the repository calls made through `tx` commit together or not at all.
   * Keep it to store calls (no network): units are serialised, and other writers wait for it.
   * `relaxed`: the pipeline's own bookkeeping, which may commit without a disk flush (see durability.ts).
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>, options?: { relaxed?: boolean }): Promise<T>;
  isOpen(): boolean;
  close(): Promise<void>;
}

/** The repositories, as a unit of work sees them. */
export interface Repositories {
  readonly events: EventLog;
  readonly jobs: JobQueue;
  readonly subscribers: SubscriberRepo;
  readonly customers: CustomerRepo;
  readonly templates: TemplateRepo;
  readonly clusters: ClusterRepo;
  readonly audit: AuditTrail;
  readonly unknownRequests: UnknownRequestRepo;
  readonly webexCalls: WebexCallLog;
  readonly settings: SettingsRepo;
  /** How the dialect read each request a shadow template relayed (dialect coverage). */
  readonly shadowRecords: ShadowRecordRepo;
  /** Retention: deletes old rows in small batches (see RetentionPolicy). */
  readonly retention: RetentionSweeper;
}

// ---------- retention ----------

export interface RetentionPolicy {
  /** Stored requests, ended events, ended jobs, Webex call log and unknown requests older than this go. */
  dataDays: number;
  /** The audit trail is kept longer. */
  auditDays: number;
  /** Rows deleted per statement: a sweep never holds the write lock long. */
  batchSize: number;
}

export interface RetentionSweeper {
  /** One pass of batches over every table; resolves with the rows deleted per table. */
  sweep(policy: RetentionPolicy, now: number): Promise<Record<string, number>>;
}

// ---------- inbound events (append-only) and the jobs they create ----------

export interface AcceptInput {
  event: ProvisioningEvent;
  requestId: string;
  /**
   * The raw request with passwords masked and Authorization removed. The store keeps each
   * distinct request of one accept call once (its events reference it); a caller with many
   * commands of one document passes `options.rawRequest` instead.
   */
  rawRequest?: string;
  /** Same template + same command content → same key (re-sent requests are acknowledged once). */
  dedupeKey: string;
  subPath?: string;
  sourceAddress?: string;
  clientSubject?: string;
}

export interface AcceptOutcome {
  eventId: number;
  /** True when an identical request inside the duplicate window was already accepted. */
  duplicate: boolean;
}

export interface AcceptOptions {
  duplicateWindowSeconds: number;
  /** The document all inputs came in (stored once); an input's own rawRequest wins. */
  rawRequest?: string;
}

export interface EventLog {
  /**
   * Appends the events and enqueues their jobs in one committed transaction (durable when the
   * promise resolves). Concurrent calls share commits (group commit).
   */
  accept(inputs: AcceptInput[], options: AcceptOptions): Promise<AcceptOutcome[]>;
  /** Calls `listener` after each commit that added jobs, so a worker wakes at once (optional: an implementation may leave workers to poll). */
  onCommitted?(listener: () => void): () => void;
  get(id: number): Promise<StoredEvent | undefined>;
  listForUser(userId: string, limit?: number): Promise<StoredEvent[]>;
  /** The user's latest event, only what ownership and status answers need (no request text: one index probe per flow-through command). */
  latestForUser(userId: string): Promise<LatestEvent | undefined>;
  /** The user's subscriber record and latest event, as far as ownership needs them, in one read (once per flow-through command). */
  ownershipOf(userId: string): Promise<UserOwnership>;
  count(): Promise<number>;
}

export interface UserOwnership {
  subscriber?: Pick<SubscriberRecord, 'template' | 'enterpriseId' | 'status'>;
  latest?: Pick<StoredEvent, 'kind' | 'template' | 'enterpriseId'>;
}

export type LatestEvent = Pick<StoredEvent, 'id' | 'kind' | 'template' | 'enterpriseId' | 'receivedAt'>;

export interface StoredEvent extends AcceptedEvent {
  rawRequest: string;
  dedupeKey: string;
  subPath?: string;
  sourceAddress?: string;
  clientSubject?: string;
}

export interface Job {
  id: number;
  eventId: number;
  /** relay_delivery: a request a queue-mode relay template accepted, sent upstream by the worker (its userId is the lane, see domain/relay-delivery.ts). */
  kind: EventKind | 'resync' | 'set_package' | 'reconcile_repair' | 'relay_delivery';
  template: string;
  userId: string;
  enterpriseId: string;
  state: JobState;
  attempts: number;
  /** Epoch ms when the job may run next. */
  nextRunAt: number;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms. */
  updatedAt: number;
  /** Set when a create may have reached Webex (timeout, a crash, a lease taken over): the next attempt looks up first. */
  lookupFirst: boolean;
  payload: Record<string, unknown>;
  lastError?: JobError;
  trackingId?: string;
  /** Who holds the running job (absent when not running). */
  leaseOwner?: string;
}

export interface JobError {
  code: string;
  message: string;
  httpStatus?: number;
  webexErrorCode?: string;
  description?: string;
  trackingId?: string;
  /** Epoch ms. */
  at: number;
}

export interface JobFilter {
  state?: JobState | JobState[];
  userId?: string;
  template?: string;
  limit?: number;
  offset?: number;
}

/** The right to write a running job's outcome, while `token` is current. */
export interface Lease {
  jobId: number;
  owner: string;
  token: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface ClaimedJob extends Job {
  lease: Lease;
}

/** What a running job's attempt leaves behind, written with its lease. */
export interface JobResult {
  attempts?: number;
  payload?: Record<string, unknown>;
  lastError?: JobError;
  trackingId?: string;
  lookupFirst?: boolean;
}

export interface JobQueue {
  /**
   * Leases at most `limit` heads (a user's oldest unfinished job) that are due, whose user has
   * no job running under a live lease; a running head whose lease expired is taken over and
   * gets lookupFirst (it may have reached Webex). Due status polls first, then by due time.
   */
  claim(request: { owner: string; leaseMs: number; limit: number; now: number }): Promise<ClaimedJob[]>;
  /** Extends the lease; LeaseLost (IMPB_ERR_STORE_LEASE_LOST) when the token is no longer current. */
  renew(lease: Lease, request: { leaseMs: number; now: number }): Promise<Lease>;
  /** running → done. LeaseLost when the token is stale. */
  complete(lease: Lease, result: JobResult & { now: number }): Promise<void>;
  /**
   * running → failed (audited with the error's Webex code and TrackingID under `actor`), or
   * running → awaiting_credentials (Webex refused the bridge's credentials). LeaseLost when stale.
   */
  fail(lease: Lease, result: JobResult & { lastError: JobError; now: number; to?: 'failed' | 'awaiting_credentials' }, actor?: string): Promise<void>;
  /** running → queued | retry_wait | polling at `nextRunAt` (a retry, a poll, a shutdown). LeaseLost when stale. */
  release(lease: Lease, result: JobResult & { to: 'queued' | 'retry_wait' | 'polling'; nextRunAt: number; now: number }): Promise<void>;
  /**
   * Coalescing under the head's lease: `coalesced` (unsent jobs of the lease's user, the head
   * possibly among them) end as coalesced; `run` (a later job of the user) becomes the one
   * running under a lease with the same token. LeaseLost when stale.
   */
  coalesce(lease: Lease, plan: { coalesced: number[]; run?: number; now: number }, actor?: string): Promise<ClaimedJob | undefined>;
  /**
   * A guarded transition of a job no worker holds (operator retry/cancel, resume): moves it to
   * `to` only while it is in one of `from`, in one statement. Transitions the domain does not
   * allow are refused (IMPB_ERR_STORE_CONFLICT). Audited per the domain's rule. True when it moved.
   */
  transition(id: number, change: { from: readonly JobState[]; to: JobState; nextRunAt?: number; now: number }, actor?: string): Promise<boolean>;
  /** Bulk form of transition: every job matching the filter, in batches of `batchSize`; returns how many moved. */
  transitionMatching(
    filter: { state: JobState; template?: string; errorCode?: string },
    change: { to: JobState; nextRunAt?: number; now: number; batchSize?: number },
    actor?: string,
  ): Promise<{ matched: number; moved: number }>;
  /** Every job awaiting valid Webex credentials goes back to the queue in one statement (audited); returns how many. */
  resumeParked(now: number, actor?: string): Promise<number>;
  /** Leases held by `owner` (an earlier run of this very instance) expire now: that run is gone. */
  expireLeasesOf(owner: string, now: number): Promise<number>;
  enqueue(
    job: Omit<Job, 'id' | 'createdAt' | 'updatedAt' | 'attempts' | 'state' | 'lookupFirst' | 'leaseOwner'> & Partial<Pick<Job, 'state'>>,
  ): Promise<number>;
  get(id: number): Promise<Job | undefined>;
  list(filter?: JobFilter): Promise<Job[]>;
  countByState(): Promise<Record<string, number>>;
  /** Epoch ms. */
  oldestPendingCreatedAt(): Promise<number | undefined>;
  /** Unfinished jobs of one user, oldest first (the head first): for coalescing. */
  pendingForUser(userId: string, limit?: number): Promise<Job[]>;
  /** Earliest time a head becomes claimable (a due time or a lease expiry; undefined when nothing waits): the worker's next wake-up. */
  nextDueAt(): Promise<number | undefined>;
  /** Number of unfinished jobs (queued, running, retry_wait, polling). */
  countPending(): Promise<number>;
}

// ---------- subscribers and customers ----------

export interface SubscriberRecord {
  userId: string;
  template: string;
  enterpriseId: string;
  webexSubscriberId?: string;
  customerId?: string;
  personId?: string;
  orgId?: string;
  email?: string;
  package?: string;
  status: string;
  isActive: boolean;
  lastTrackingId?: string;
  lastErrorCode?: string;
  lastErrorDescription?: string;
  /** Epoch ms. */
  lastStatusChange: number;
  /** Last profile applied in Webex, for diffing modify events. */
  profile: Record<string, string>;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms. */
  updatedAt: number;
}

export interface SubscriberFilter {
  status?: string;
  enterpriseId?: string;
  template?: string;
  /** Text search over user id, email and names. */
  q?: string;
  limit?: number;
  offset?: number;
}

export interface SubscriberRepo {
  get(userId: string): Promise<SubscriberRecord | undefined>;
  /** Inserts or updates; when the status changes, an audit entry of kind 'subscriber' is written. */
  upsert(
    record: Omit<SubscriberRecord, 'createdAt' | 'updatedAt' | 'lastStatusChange'> & { lastStatusChange?: number },
    actor?: string,
  ): Promise<SubscriberRecord>;
  list(filter?: SubscriberFilter): Promise<SubscriberRecord[]>;
  countByStatus(): Promise<Record<string, number>>;
  countForTemplate(template: string, statuses?: string[]): Promise<number>;
}

export interface CustomerRecord {
  enterpriseId: string;
  template: string;
  webexCustomerId?: string;
  orgId?: string;
  status: string;
  locationUrl?: string;
  adminUserId?: string;
  /**
   * Set when the bridge is about to POST the customer (status 'creating'); once set it stays
   * set (an upsert without it keeps it), so a crash before the answer was saved loses nothing.
   */
  createdByBridge?: boolean;
  lastTrackingId?: string;
  lastError?: string;
  /** Webex errorCode of the first error the customer failed with, kept for the jobs that fail after it. */
  lastErrorCode?: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms. */
  updatedAt: number;
}

export interface CustomerRepo {
  get(enterpriseId: string): Promise<CustomerRecord | undefined>;
  upsert(record: Omit<CustomerRecord, 'createdAt' | 'updatedAt'>): Promise<CustomerRecord>;
  list(filter?: { template?: string; status?: string; limit?: number; offset?: number }): Promise<CustomerRecord[]>;
  /**
   * Create once per enterprise, across instances: the right to look up and create the
   * enterprise's Wholesale customer, for `leaseMs`. True only for the one caller that holds it
   * (nobody held it, the holder's claim expired, or `owner` holds it already); the others back
   * off and look again. A new enterprise gets its record here, with status 'absent'. Never held
   * across a wait on anything but the Webex calls it guards.
   */
  claimCreation(enterpriseId: string, claim: { owner: string; template: string; leaseMs: number; now: number }): Promise<boolean>;
  /** Gives the claim up (after the customer was saved, or the attempt failed), so another worker need not wait for its expiry. */
  releaseCreation(enterpriseId: string, owner: string): Promise<void>;
}

// ---------- templates and clusters ----------

export interface TemplateRepo {
  get(name: string): Promise<Template | undefined>;
  list(): Promise<Template[]>;
  /** Creates or replaces. */
  put(template: Template): Promise<void>;
  delete(name: string): Promise<boolean>;
  count(): Promise<number>;
}

export interface ClusterRepo {
  get(name: string): Promise<Cluster | undefined>;
  list(): Promise<Cluster[]>;
  put(cluster: Cluster): Promise<void>;
  delete(name: string): Promise<boolean>;
}

// ---------- audit trail, unknown requests, Webex call log, settings ----------

export interface AuditEntry {
  id: number;
  /** Epoch ms. */
  at: number;
  /** 'cli', 'admin-api', 'pipeline', 'inbound', 'system', … */
  actor: string;
  entityType: string;
  entityId: string;
  action: string;
  before?: unknown;
  after?: unknown;
  trackingId?: string;
  detail?: string;
}

export interface AuditTrail {
  append(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: number }): Promise<number>;
  list(filter?: { entityType?: string; entityId?: string; limit?: number }): Promise<AuditEntry[]>;
}

export interface UnknownRequest {
  id: number;
  /** Epoch ms. */
  receivedAt: number;
  requestId: string;
  template: string;
  reason: string;
  /** Headers minus Authorization. */
  headers: Record<string, string | string[] | undefined>;
  /** Body with password elements masked. */
  body: string;
  kind: 'unknown' | 'recorded';
  response?: string;
}

export interface ShadowRecordFilter {
  template?: string;
  /** Epoch ms: records received at or after it. */
  since?: number;
  limit?: number;
}

export interface ShadowRecordRepo {
  add(record: ShadowRecord): Promise<number>;
  /** Oldest first. */
  list(filter?: ShadowRecordFilter): Promise<ShadowRecord[]>;
}

export interface UnknownRequestRepo {
  add(entry: Omit<UnknownRequest, 'id' | 'receivedAt'>): Promise<number>;
  list(filter?: { kind?: UnknownRequest['kind']; limit?: number }): Promise<UnknownRequest[]>;
  count(kind?: UnknownRequest['kind']): Promise<number>;
}

export interface WebexCallRecord {
  id: number;
  /** Epoch ms. */
  at: number;
  jobId?: number;
  userId?: string;
  enterpriseId?: string;
  operation: string;
  method: string;
  path: string;
  httpStatus?: number;
  trackingId: string;
  errorCode?: string;
  description?: string;
  durationMs?: number;
}

export interface WebexCallLog {
  record(call: Omit<WebexCallRecord, 'id' | 'at'> & { at?: number }): Promise<void>;
  list(filter?: { userId?: string; enterpriseId?: string; jobId?: number; errorsOnly?: boolean; limit?: number }): Promise<WebexCallRecord[]>;
}

/** Small key/value settings (rotated OAuth refresh tokens, certificate state, …). */
export interface SettingsRepo {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}
