import { ImpbError } from '../errors';
import { redactValue } from '../observability';
import type { CustomerRecord, Job, Store, SubscriberRecord, WebexCallRecord } from '../store';
import { PARTNER_ORG_SETTINGS_KEY } from '../webex/partner-org';
import { orgIdFromAccessToken, toUuidForm } from './webex-ids';

export interface SupportDeps {
  store: Store;
  version: string;
  /** The partner org (Webex id or UUID), with where it came from, when known. */
  partnerOrgId: () => Promise<{ id?: string; source: string }>;
}

/** Store setting the Webex wiring keeps the last partner org in. */
export const PARTNER_ORG_SETTING = PARTNER_ORG_SETTINGS_KEY;

/**
 * Where the partner org comes from, best first: Webex itself (GET /people/me through the
 * running proxy), the last answer kept in the store, the org suffix of a static token.
 */
export async function findPartnerOrgId(sources: {
  store: Store;
  webexToken?: string;
  live?: () => Promise<string | undefined>;
}): Promise<{ id?: string; source: string }> {
  const live = await sources.live?.().catch(() => undefined);
  if (live) return { id: live, source: 'Webex GET /people/me (org of the identity behind the access token)' };
  const stored = await sources.store.settings.get(PARTNER_ORG_SETTING).catch(() => undefined);
  if (stored) return { id: stored, source: `store setting ${PARTNER_ORG_SETTING} (last value Webex reported, GET /people/me)` };
  const fromToken = orgIdFromAccessToken(sources.webexToken);
  if (fromToken) return { id: fromToken, source: 'suffix of the configured Webex access token' };
  return { source: sources.live ? 'unknown: Webex did not answer GET /people/me and no earlier answer is stored' : 'unknown (ask the running proxy)' };
}

export interface SupportReport {
  generatedAt: string;
  proxyVersion: string;
  subject: { kind: 'subscriber' | 'enterprise'; id: string };
  partnerOrgId?: string;
  partnerOrgIdSource: string;
  /** The customer org (32 hex digits, hyphenated) when Webex reported it. */
  customerOrgId?: string;
  /** Where customerOrgId comes from, or why it is not known yet. */
  customerOrgIdSource: string;
  customer?: Pick<CustomerRecord, 'enterpriseId' | 'template' | 'status' | 'webexCustomerId' | 'lastTrackingId' | 'lastError'>;
  subscriber?: Pick<
    SubscriberRecord,
    | 'userId'
    | 'email'
    | 'template'
    | 'enterpriseId'
    | 'status'
    | 'webexSubscriberId'
    | 'package'
    | 'lastStatusChange'
    | 'lastTrackingId'
    | 'lastErrorCode'
    | 'lastErrorDescription'
  > & { personId?: string };
  subscriberCounts?: Record<string, number>;
  /** Failed Webex calls, newest first: what Cisco TAC looks up by TrackingID. */
  failedCalls: Array<Pick<WebexCallRecord, 'at' | 'operation' | 'method' | 'path' | 'httpStatus' | 'trackingId' | 'errorCode' | 'description'>>;
  /** The last Webex calls of any outcome, newest first. */
  recentCalls: Array<Pick<WebexCallRecord, 'at' | 'operation' | 'httpStatus' | 'trackingId'>>;
  failedJobs: Array<Pick<Job, 'id' | 'kind' | 'state' | 'attempts' | 'updatedAt'> & { error?: Job['lastError'] }>;
}

/**
 * The facts a Cisco service request needs, from the store alone (works with the proxy
 * stopped). Everything passes through the log redaction before it leaves.
 */
export async function buildSupportReport(deps: SupportDeps, key: string, options: { limit?: number } = {}): Promise<SupportReport> {
  const { store } = deps;
  const limit = options.limit ?? 20;
  const subscriber = await store.subscribers.get(key);
  const enterpriseId = subscriber?.enterpriseId ?? key;
  const customer = await store.customers.get(enterpriseId);
  const enterpriseSubscribers = subscriber ? [] : await store.subscribers.list({ enterpriseId, limit: 10_000 });
  if (!subscriber && !customer && enterpriseSubscribers.length === 0) {
    throw new ImpbError('IMPB_ERR_NOT_FOUND', { message: `"${key}" is neither a subscriber user id nor an enterprise in the store`, details: { key } });
  }
  const callFilter = subscriber ? { userId: subscriber.userId } : { enterpriseId };
  const [failed, recent, jobs] = await Promise.all([
    store.webexCalls.list({ ...callFilter, errorsOnly: true, limit }),
    store.webexCalls.list({ ...callFilter, limit }),
    subscriber ? store.jobs.list({ userId: subscriber.userId, state: 'failed', limit }) : failedJobsOf(store, enterpriseSubscribers, limit),
  ]);
  const partner = await deps.partnerOrgId();
  const report: SupportReport = {
    generatedAt: new Date().toISOString(),
    proxyVersion: deps.version,
    subject: { kind: subscriber ? 'subscriber' : 'enterprise', id: key },
    partnerOrgId: toUuidForm(partner.id),
    partnerOrgIdSource: partner.source,
    ...customerOrg(subscriber, customer, enterpriseSubscribers),
    ...(customer ? { customer: pick(customer, ['enterpriseId', 'template', 'status', 'webexCustomerId', 'lastTrackingId', 'lastError']) } : {}),
    ...(subscriber
      ? {
          subscriber: {
            ...pick(subscriber, [
              'userId',
              'email',
              'template',
              'enterpriseId',
              'status',
              'webexSubscriberId',
              'package',
              'lastStatusChange',
              'lastTrackingId',
              'lastErrorCode',
              'lastErrorDescription',
            ]),
            ...(subscriber.personId ? { personId: toUuidForm(subscriber.personId) ?? subscriber.personId } : {}),
          },
        }
      : { subscriberCounts: countBy(enterpriseSubscribers.map((s) => s.status)) }),
    failedCalls: failed.map((c) => pick(c, ['at', 'operation', 'method', 'path', 'httpStatus', 'trackingId', 'errorCode', 'description'])),
    recentCalls: recent.map((c) => pick(c, ['at', 'operation', 'httpStatus', 'trackingId'])),
    failedJobs: jobs.map((j) => ({ ...pick(j, ['id', 'kind', 'state', 'attempts', 'updatedAt']), ...(j.lastError ? { error: j.lastError } : {}) })),
  };
  return redactValue(report) as SupportReport;
}

/**
 * A subscriber's own record holds its org (the pipeline fills it in from Webex GET
 * /people/{personId}); an enterprise's comes from its customer record or its subscribers.
 */
function customerOrg(
  subscriber: SubscriberRecord | undefined,
  customer: CustomerRecord | undefined,
  enterpriseSubscribers: SubscriberRecord[],
): Pick<SupportReport, 'customerOrgId' | 'customerOrgIdSource'> {
  const [raw, source] = subscriber
    ? subscriber.orgId
      ? [subscriber.orgId, 'subscriber record (org of the person, as Webex reported it)']
      : [customer?.orgId, 'customer record']
    : customer?.orgId
      ? [customer.orgId, 'customer record']
      : [enterpriseSubscribers.find((s) => s.orgId)?.orgId, 'a subscriber record of the enterprise'];
  if (!raw) return { customerOrgIdSource: 'not known yet (filled in once Webex reports the person)' };
  // An id that is no Webex org id is shown as it is rather than hidden.
  return { customerOrgId: toUuidForm(raw) ?? raw, customerOrgIdSource: source };
}

async function failedJobsOf(store: Store, subscribers: SubscriberRecord[], limit: number): Promise<Job[]> {
  const users = new Set(subscribers.map((s) => s.userId));
  const failed = await store.jobs.list({ state: 'failed', limit: 1000 });
  return failed.filter((j) => users.has(j.userId)).slice(0, limit);
}

function pick<T extends object, K extends keyof T>(value: T, keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (value[k] !== undefined && value[k] !== null) out[k] = value[k];
  return out;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
