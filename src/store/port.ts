import type { AcceptedEvent, Cluster, EventKind, ProvisioningEvent, Template } from '../domain';

/**
 * The storage port. Every method is async so that a PostgreSQL implementation can follow
 * the embedded SQLite one without touching the domain or the pipeline.
 */
export interface Store {
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
  isOpen(): boolean;
  close(): Promise<void>;
}

// ---------- inbound events (append-only) and the jobs they create ----------

export interface AcceptInput {
  event: ProvisioningEvent;
  requestId: string;
  /** The raw request with passwords masked and Authorization removed. */
  rawRequest: string;
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

export interface EventLog {
  /**
   * Appends the events and enqueues their jobs in one committed transaction (durable when the
   * promise resolves). Concurrent calls share commits (group commit).
   */
  accept(inputs: AcceptInput[], options: { duplicateWindowSeconds: number }): Promise<AcceptOutcome[]>;
  /** Calls `listener` after each commit that added jobs, so a worker wakes at once (optional: an implementation may leave workers to poll). */
  onCommitted?(listener: () => void): () => void;
  get(id: number): Promise<StoredEvent | undefined>;
  listForUser(userId: string, limit?: number): Promise<StoredEvent[]>;
  count(): Promise<number>;
}

export interface StoredEvent extends AcceptedEvent {
  rawRequest: string;
  dedupeKey: string;
  subPath?: string;
  sourceAddress?: string;
  clientSubject?: string;
}

export type JobState = 'queued' | 'running' | 'retry_wait' | 'polling' | 'done' | 'failed' | 'cancelled' | 'coalesced';

export interface Job {
  id: number;
  eventId: number;
  kind: EventKind | 'resync' | 'set_package' | 'reconcile_repair';
  template: string;
  userId: string;
  enterpriseId: string;
  state: JobState;
  attempts: number;
  /** Epoch ms when the job may run next. */
  nextRunAt: number;
  createdAt: string;
  updatedAt: string;
  /** Set when a create may have reached Webex (timeout): the next attempt looks up first. */
  lookupFirst: boolean;
  payload: Record<string, unknown>;
  lastError?: JobError;
  trackingId?: string;
}

export interface JobError {
  code: string;
  message: string;
  httpStatus?: number;
  webexErrorCode?: string;
  description?: string;
  trackingId?: string;
  at: string;
}

export interface JobFilter {
  state?: JobState | JobState[];
  userId?: string;
  template?: string;
  limit?: number;
  offset?: number;
}

export interface JobQueue {
  /** Jobs due now, at most one per user (the oldest unfinished job of each user), oldest first. */
  claimDue(now: number, limit: number, excludeUsers: ReadonlySet<string>): Promise<Job[]>;
  /**
   * A change to failed, coalesced or cancelled, and a failed or cancelled job taken up again,
   * is audited (entity 'job', action 'state', with the error's Webex code and TrackingID) in the
   * same transaction, under `actor` ('system' when not given).
   */
  update(id: number, patch: Partial<Pick<Job, 'state' | 'attempts' | 'nextRunAt' | 'lookupFirst' | 'payload' | 'lastError' | 'trackingId'>>, actor?: string): Promise<void>;
  /**
   * Moves the job to `to` only while it is in one of `from`, in one statement: an operator's
   * cancel or retry must not overwrite a state the worker wrote meanwhile. True when it moved.
   */
  changeStateIf(id: number, from: readonly JobState[], to: Pick<Job, 'state'> & Partial<Pick<Job, 'nextRunAt'>>): Promise<boolean>;
  enqueue(job: Omit<Job, 'id' | 'createdAt' | 'updatedAt' | 'attempts' | 'state' | 'lookupFirst'> & Partial<Pick<Job, 'state'>>): Promise<number>;
  get(id: number): Promise<Job | undefined>;
  list(filter?: JobFilter): Promise<Job[]>;
  countByState(): Promise<Record<string, number>>;
  oldestPendingCreatedAt(): Promise<string | undefined>;
  /** On start: jobs left 'running' by a crash go back to 'queued' with lookupFirst set. */
  recoverInFlight(): Promise<number>;
  /** Unfinished jobs of one user, oldest first (the head first): for coalescing. */
  pendingForUser(userId: string, limit?: number): Promise<Job[]>;
  /** Earliest nextRunAt among claimable heads (undefined when nothing waits): the worker's next wake-up. */
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
  lastStatusChange: string;
  /** Last profile applied in Webex, for diffing modify events. */
  profile: Record<string, string>;
  createdAt: string;
  updatedAt: string;
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
  upsert(record: Omit<SubscriberRecord, 'createdAt' | 'updatedAt' | 'lastStatusChange'> & { lastStatusChange?: string }, actor?: string): Promise<SubscriberRecord>;
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
  createdAt: string;
  updatedAt: string;
}

export interface CustomerRepo {
  get(enterpriseId: string): Promise<CustomerRecord | undefined>;
  upsert(record: Omit<CustomerRecord, 'createdAt' | 'updatedAt'>): Promise<CustomerRecord>;
  list(filter?: { template?: string; status?: string; limit?: number; offset?: number }): Promise<CustomerRecord[]>;
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
  at: string;
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
  append(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: string }): Promise<number>;
  list(filter?: { entityType?: string; entityId?: string; limit?: number }): Promise<AuditEntry[]>;
}

export interface UnknownRequest {
  id: number;
  receivedAt: string;
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

export interface UnknownRequestRepo {
  add(entry: Omit<UnknownRequest, 'id' | 'receivedAt'>): Promise<number>;
  list(filter?: { kind?: UnknownRequest['kind']; limit?: number }): Promise<UnknownRequest[]>;
  count(kind?: UnknownRequest['kind']): Promise<number>;
}

export interface WebexCallRecord {
  id: number;
  at: string;
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
  record(call: Omit<WebexCallRecord, 'id' | 'at'> & { at?: string }): Promise<void>;
  list(filter?: { userId?: string; enterpriseId?: string; jobId?: number; errorsOnly?: boolean; limit?: number }): Promise<WebexCallRecord[]>;
}

/** Small key/value settings (rotated OAuth refresh tokens, certificate state, …). */
export interface SettingsRepo {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}
