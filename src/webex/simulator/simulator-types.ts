import type { Logger } from '../../observability';

export interface SimulatorFaults {
  /** Requests per second accepted on the API routes; more are answered 429 + Retry-After. */
  rateLimitPerSecond?: number;
  /** Raw Retry-After value sent with 429 (and failNext 429/503), e.g. '1', '0', 'rand(30),add(30)'; '' sends no Retry-After at all. Default '1'. */
  retryAfter?: string;
  /** The next `count` API requests (optionally only those whose method/path match) answer `status`. */
  failNext?: { status: number; count: number; method?: string; path?: string };
  /** Delay before every answer. */
  latencyMs?: number;
  /** The next N API requests have their connection destroyed without an answer. */
  dropNextConnections?: number;
  /** The next N successful API answers with a body send their headers and first byte, then stall (a body timeout). */
  stallNextBodies?: number;
  /** Every API request is answered 401, whatever its token (a token revoked or mistyped in Partner Hub); clear it to accept tokens again. */
  refuseTokens?: boolean;
  /** Next links of list answers keep only the cursor and carry max=null (as Webex has been seen to do). */
  brokenNextLinks?: boolean;
}

export interface SimulatorOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** Refresh token accepted by POST /access_token at start. */
  refreshToken: string;
  /** Lifetime of issued access tokens (default 3600 s). */
  accessTokenLifetimeSeconds?: number;
  /** Issue a new refresh token on every refresh (default false, like Webex far from expiry). */
  rotateRefreshTokens?: boolean;
}

export interface WebexSimulatorOptions {
  host?: string;
  port?: number;
  /** Static bearer token accepted on every route (and as the integration token of a service app). */
  token: string;
  /** BroadWorks subscribers: provisioning → provisioned, updating → provisioned (default 2000 ms). */
  provisioningDelayMs?: number;
  /** Wholesale customers: provisioning → provisioned (default: provisioningDelayMs). */
  customerProvisioningDelayMs?: number;
  faults?: Partial<SimulatorFaults>;
  /**
   * BroadWorks user ids already associated with an existing Webex user: a POST with one of them
   * answers 200 `provisioning`, then turns to `error` with errorCode 10022. A POST whose userId
   * belongs to another subscriber record (not in error) behaves the same.
   */
  preMappedUserIds?: string[];
  /** Emails of existing Webex users: a Wholesale subscriber POST answers 202 `pending_user_migration`. */
  existingWebexUserEmails?: string[];
  /**
   * BroadWorks provisioningIds whose Partner Hub template does not trust emails: a POST answers
   * `pending_email_validation` (email given) or `pending_email_input` (none). Every other
   * provisioningId is trusted: a POST with an email is `provisioning`, one without is refused
   * (400: the spec makes the email mandatory for the trusted email provisioning flow).
   */
  untrustedEmailProvisioningIds?: string[];
  /**
   * The org of every identity the simulator knows (GET /people/me answers it as `orgId`, in
   * Webex's base64 form): the partner org. Default SIMULATOR_PARTNER_ORG_UUID.
   */
  partnerOrgUuid?: string;
  /** Enables POST /access_token and POST /applications/{id}/token. */
  oauth?: SimulatorOAuthOptions;
  logger?: Logger;
  /** Longest request log kept (default 5000 entries). */
  requestLogLimit?: number;
}

export interface SimulatorStats {
  requests: number;
  byOperation: Record<string, number>;
  rateLimited: number;
  broadworksSubscribers: number;
  customers: number;
  wholesaleSubscribers: number;
  creates: { broadworksSubscribers: number; customers: number; wholesaleSubscribers: number };
  /** BroadWorks creates for a user already created here (and not failed). */
  duplicateCreates: number;
  /** POST /access_token answered with a token. */
  tokenRefreshes: number;
  /** POST /applications/{id}/token answered with a token. */
  serviceAppGrants: number;
  /** Requests answered 401. */
  unauthorized: number;
}

export type Json = Record<string, unknown>;

export interface SimulatorState {
  /** By subscriber id: exactly the object the API answers. */
  broadworksSubscribers: Map<string, Json>;
  customers: Map<string, Json>;
  wholesaleSubscribers: Map<string, Json>;
  preMappedUserIds: Set<string>;
  existingWebexUserEmails: Set<string>;
  untrustedEmailProvisioningIds: Set<string>;
  /** BroadWorks spEnterpriseId → the customer org (Webex base64 id) made for it at its first provisioned user. */
  broadworksCustomerOrgs: Map<string, string>;
  /** Wholesale subscriber id → the Webex Calling settings it was given (primaryPhoneNumber, extension, locationId). */
  wholesaleCalling: Map<string, Json>;
  /** Issued access token → epoch ms of expiry. */
  accessTokens: Map<string, number>;
  refreshTokens: Set<string>;
  /** Every accepted POST /applications/{id}/token, secret-free (what a service app asked for). */
  serviceAppTokenRequests: Array<{ applicationId: string; clientId: string; targetOrgId?: string }>;
  /** What GET /people/me answers: the partner admin behind every token. */
  me: Json;
}

export interface SimulatorRequestLogEntry {
  at: string;
  method: string;
  path: string;
  /** 0 when the connection was dropped without an answer. */
  status: number;
  trackingId: string;
  body?: unknown;
  /** The JSON answered (API routes; not token routes). */
  response?: unknown;
}

export interface WebexSimulator {
  /** e.g. http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  port: number;
  token: string;
  setFaults(faults: Partial<SimulatorFaults>): void;
  faults(): SimulatorFaults;
  stats(): SimulatorStats;
  state: SimulatorState;
  requestLog: SimulatorRequestLogEntry[];
  /** Makes every issued access token invalid (the static token stays valid): the next calls get 401. */
  revokeAccessTokens(): void;
  close(): Promise<void>;
}
