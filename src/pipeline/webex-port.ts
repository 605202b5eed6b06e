import type { WebexCallRecord } from '../store/port';

/**
 * What the pipeline (and the admin's precheck/reconcile) needs from Webex. Shapes follow the
 * official OpenAPI files in ../shared/specs/webex/ (webex-broadworks.json, webex-wholesale.json).
 * `src/webex/` implements this port; failures are thrown as `WebexError` (src/errors).
 * Responses are lenient: unknown fields are kept, unknown enum values accepted.
 */

export interface WebexCallContext {
  /** For the call log (store.webexCalls) and support data. */
  jobId?: number;
  userId?: string;
  enterpriseId?: string;
  /**
   * Asked right before each HTTP exchange leaves, after the pacer let it go (a wait without bound
   * while a shared call budget is unreachable): throws when the call must not be sent any more
   * (the job's lease is gone). Not part of the call log.
   */
  beforeSend?: () => Promise<void>;
}

export interface WebexResult<T> {
  data: T;
  httpStatus: number;
  /** The TrackingID Webex echoed (or the one sent when Webex echoed none). */
  trackingId: string;
}

export interface WebexErrorEntry {
  errorCode?: number | string;
  description?: string;
}

// ---------- Webex for BroadWorks ----------

export interface BroadworksSubscriber {
  id: string;
  personId?: string;
  userId: string;
  spEnterpriseId: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  primaryPhoneNumber?: string;
  mobilePhoneNumber?: string;
  extension?: string;
  package?: string;
  status: string;
  errors?: WebexErrorEntry[];
  created?: string;
  lastStatusChange?: string;
  provisioningId?: string;
  /** The spec says boolean; live answers have carried "true"/"false" strings: normalised to boolean. */
  selfActivated?: boolean;
  [unknownField: string]: unknown;
}

export interface BroadworksSubscriberCreate {
  provisioningId: string;
  userId: string;
  spEnterpriseId: string;
  firstName: string;
  lastName: string;
  package: string;
  primaryPhoneNumber?: string;
  mobilePhoneNumber?: string;
  extension?: string;
  email?: string;
  language?: string;
  timezone?: string;
}

/** PUT body. Per the spec, primaryPhoneNumber/mobilePhoneNumber/extension may be sent as '' to clear. */
export interface BroadworksSubscriberUpdate {
  userId?: string;
  firstName?: string;
  lastName?: string;
  primaryPhoneNumber?: string;
  mobilePhoneNumber?: string;
  extension?: string;
  timezone?: string;
  package?: string;
}

export interface BroadworksSubscriberFilter {
  userId?: string;
  personId?: string;
  email?: string;
  provisioningId?: string;
  spEnterpriseId?: string;
  lastStatusChange?: string;
  status?: string;
  after?: string;
  selfActivated?: boolean;
  max?: number;
}

export interface BroadworksPrecheck extends Partial<BroadworksSubscriberCreate> {
  email: string;
  customerInfo?: { primaryEmail: string };
}

export interface PrecheckResult {
  message?: string;
  info?: { infoCode?: number; description?: string };
  [unknownField: string]: unknown;
}

// ---------- Webex Wholesale ----------

export interface WholesaleAddress {
  addressLine1: string;
  addressLine2?: string;
  city: string;
  stateOrProvince?: string;
  zipOrPostalCode?: string;
  country: string;
}

export interface WholesaleCustomer {
  id: string;
  orgId?: string;
  externalId?: string;
  address?: WholesaleAddress;
  status: string;
  packages?: string[];
  errors?: WebexErrorEntry[];
  [unknownField: string]: unknown;
}

export interface WholesaleCustomerCreate {
  provisioningId: string;
  packages: string[];
  orgId?: string;
  externalId: string;
  address: WholesaleAddress;
  customerInfo?: { name: string; primaryEmail: string; language?: string };
  provisioningParameters?: {
    calling?: { location: { name: string; address?: WholesaleAddress; timezone?: string; language?: string; emergencyLocationIdentifier?: string } };
    meetings?: { timezone?: string };
  };
}

export interface WholesaleCustomerFilter {
  externalId?: string;
  orgId?: string;
  status?: string[];
}

export interface WholesaleSubscriber {
  id: string;
  personId?: string;
  email?: string;
  customerId?: string;
  externalCustomerId?: string;
  package?: string;
  packages?: string[];
  status: string;
  errors?: WebexErrorEntry[];
  created?: string;
  lastStatusChange?: string;
  [unknownField: string]: unknown;
}

/** Either `package` or `packages`, never both (the Wholesale rule). */
export interface WholesaleSubscriberCreate {
  customerId: string;
  email: string;
  package?: string;
  packages?: string[];
  provisioningParameters: {
    firstName?: string;
    lastName?: string;
    primaryPhoneNumber?: string;
    extension?: string;
    locationId?: string;
  };
}

export interface WholesaleSubscriberUpdate {
  package?: string;
  packages?: string[];
  provisioningParameters?: { primaryPhoneNumber?: string; extension?: string; locationId?: string };
}

export interface WholesaleSubscriberFilter {
  customerId?: string;
  personId?: string;
  externalCustomerId?: string;
  email?: string;
  status?: string;
  after?: string;
  lastStatusChange?: string;
  max?: number;
}

export interface WholesalePrecheck {
  provisioningId?: string;
  customerId?: string;
  email: string;
  package?: string;
  packages?: string[];
  provisioningParameters?: WholesaleSubscriberCreate['provisioningParameters'];
  customerInfo?: { primaryEmail: string };
}

// ---------- People (GET /v1/people/{personId}, the Webex People API) ----------

export interface WebexPerson {
  id: string;
  /** Webex base64 id of the person's org: for a provisioned subscriber, the customer org. */
  orgId: string;
  /** Empty when Webex lists none. */
  emails: string[];
  displayName?: string;
  [unknownField: string]: unknown;
}

export interface WebexProvisioningApi {
  people: {
    /** The person behind a subscriber's personId, e.g. for the customer org in support data. */
    getPerson(personId: string, ctx?: WebexCallContext): Promise<WebexResult<WebexPerson>>;
  };
  broadworks: {
    /** Follows `Link: rel="next"` to the end. */
    listSubscribers(filter: BroadworksSubscriberFilter, ctx?: WebexCallContext): Promise<WebexResult<BroadworksSubscriber[]>>;
    createSubscriber(body: BroadworksSubscriberCreate, ctx?: WebexCallContext): Promise<WebexResult<BroadworksSubscriber>>;
    getSubscriber(id: string, ctx?: WebexCallContext): Promise<WebexResult<BroadworksSubscriber>>;
    updateSubscriber(id: string, body: BroadworksSubscriberUpdate, ctx?: WebexCallContext): Promise<WebexResult<BroadworksSubscriber>>;
    deleteSubscriber(id: string, ctx?: WebexCallContext): Promise<WebexResult<void>>;
    precheck(body: BroadworksPrecheck, ctx?: WebexCallContext): Promise<WebexResult<PrecheckResult>>;
  };
  wholesale: {
    listCustomers(filter: WholesaleCustomerFilter, ctx?: WebexCallContext): Promise<WebexResult<WholesaleCustomer[]>>;
    /** 202: `data.url` is the Location of the new customer, to be polled until provisioned. */
    createCustomer(body: WholesaleCustomerCreate, ctx?: WebexCallContext): Promise<WebexResult<{ url: string }>>;
    getCustomer(idOrUrl: string, ctx?: WebexCallContext): Promise<WebexResult<WholesaleCustomer>>;
    updateCustomer(id: string, body: Partial<WholesaleCustomerCreate> & { packages: string[] }, ctx?: WebexCallContext): Promise<WebexResult<{ url?: string }>>;
    deleteCustomer(id: string, ctx?: WebexCallContext): Promise<WebexResult<void>>;
    listSubscribers(filter: WholesaleSubscriberFilter, ctx?: WebexCallContext): Promise<WebexResult<WholesaleSubscriber[]>>;
    /** 200 provisioned, or 202 with status pending_user_migration. */
    createSubscriber(body: WholesaleSubscriberCreate, ctx?: WebexCallContext): Promise<WebexResult<WholesaleSubscriber>>;
    getSubscriber(id: string, ctx?: WebexCallContext): Promise<WebexResult<WholesaleSubscriber>>;
    updateSubscriber(id: string, body: WholesaleSubscriberUpdate, ctx?: WebexCallContext): Promise<WebexResult<WholesaleSubscriber>>;
    deleteSubscriber(id: string, ctx?: WebexCallContext): Promise<WebexResult<void>>;
    precheck(body: WholesalePrecheck, ctx?: WebexCallContext): Promise<WebexResult<PrecheckResult>>;
  };
}

/** One observed Webex call (success or failure), for the call log (store.webexCalls) and metrics. */
/**
 * Paces every HTTP exchange with Webex: the one shared rate limit (webex/pacing/rate-limiter.ts
 * implements it). Asked before each exchange, list pages and retried exchanges included, and
 * told of every 429, so admin look-ups and reconcile share the budget of a bulk migration.
 */
export interface WebexCallPacer {
  acquire(): Promise<void>;
  onRateLimited(retryAfterMs?: number): void;
}

export interface WebexCallObservation extends Omit<WebexCallRecord, 'id' | 'at' | 'durationMs'> {
  durationMs: number;
}
