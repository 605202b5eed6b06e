import { randomUUID } from 'node:crypto';
import type { Template } from '../domain';
import { ImpbError, isWebexError } from '../errors';
import type { CustomerRecord, Store } from '../store/port';
import { pollDelayMs } from './backoff';
import type { PipelineSettings } from './pipeline-settings';
import type { WebexCallContext, WebexProvisioningApi, WholesaleCustomer, WholesaleCustomerCreate } from './webex-port';

export type CustomerReadiness = { ready: CustomerRecord } | { waitMs: number };

export interface CustomerOnboarding {
  /**
   * The enterprise's Wholesale customer: from the store, else found by externalId, else
   * created — once per enterprise, however many of its users arrive together. While Webex is
   * still provisioning it, answers how long to wait instead of holding a worker slot.
   */
  ensure(enterpriseId: string, template: Template, call: WebexCallContext): Promise<CustomerReadiness>;
  /** Records the first provisioned user of a customer the bridge created as its administrator. */
  noteProvisionedUser(enterpriseId: string, userId: string): Promise<void>;
  creates(): number;
}

const READY = new Set(['provisioned', 'provisioned_with_errors']);

/** A customer Webex reports failed, as the job's error (Webex's first error, or the stored one). */
function customerFailed(rec: CustomerRecord, customer?: WholesaleCustomer, trackingId?: string): never {
  const first = customer?.errors?.[0];
  throw new ImpbError('IMPB_ERR_WEBEX_PROVISIONING_FAILED', {
    message: `Wholesale customer for enterprise ${rec.enterpriseId} failed to provision${rec.lastError ? `: ${rec.lastError}` : ''}`,
    details: {
      webexErrors: customer?.errors ?? [],
      // Jobs that find the customer failed already (no Webex answer at hand) report the stored code.
      webexErrorCode: first?.errorCode === undefined ? rec.lastErrorCode : String(first.errorCode),
      description: first?.description ?? rec.lastError,
      trackingId: trackingId ?? rec.lastTrackingId,
    },
  });
}

/** The customer record as Webex describes it now. */
function recordFromWebex<R extends Partial<CustomerRecord> & { enterpriseId: string; template: string }>(rec: R, c: WholesaleCustomer, trackingId: string) {
  const errors = (c.errors ?? []).map((e) => `${e.errorCode ?? '?'}: ${e.description ?? ''}`).join('; ');
  const code = c.errors?.[0]?.errorCode;
  return {
    ...rec,
    webexCustomerId: c.id,
    orgId: c.orgId ?? rec.orgId,
    status: c.status,
    lastTrackingId: trackingId,
    lastError: errors || undefined,
    lastErrorCode: code === undefined ? undefined : String(code),
  };
}

type CustomerBase = Partial<CustomerRecord> & { enterpriseId: string; template: string; status: string };

/**
 * Written during the step, not with the job's outcome (job-outcomes.ts): the customer is the
 * enterprise's, shared by its jobs under one single flight, and what is written here is a fact
 * about Webex that must outlive this job's lease ('creating' before the POST, the created
 * customer after it).
 */
function saveCustomer(store: Store, base: CustomerBase): Promise<CustomerRecord> {
  const { createdAt: _c, updatedAt: _u, ...rest } = base as CustomerRecord;
  return store.customers.upsert(rest);
}

interface CustomerLookup {
  rec: CustomerRecord;
  customer?: WholesaleCustomer;
  trackingId?: string;
}

/** Asks Webex for the customer the store knows of, else for one with the enterprise as externalId, else creates it. */
async function lookUpOrCreate(
  io: { store: Store; api: WebexProvisioningApi; countCreate: () => void },
  rec: CustomerRecord | undefined,
  base: CustomerBase,
  template: Template,
  call: WebexCallContext,
): Promise<CustomerLookup> {
  const { store, api } = io;
  if (rec?.locationUrl || rec?.webexCustomerId) {
    const res = await api.wholesale.getCustomer(rec.locationUrl ?? rec.webexCustomerId!, call);
    return { rec: await saveCustomer(store, recordFromWebex(base, res.data, res.trackingId)), customer: res.data, trackingId: res.trackingId };
  }
  // Always list before creating: a create that timed out (or a crash after it) is found here.
  const listed = await api.wholesale.listCustomers({ externalId: base.enterpriseId }, call);
  const customer = listed.data.find((c) => c.externalId === base.enterpriseId);
  if (customer) return { rec: await saveCustomer(store, recordFromWebex(base, customer, listed.trackingId)), customer, trackingId: listed.trackingId };
  const body = customerCreateBody(template, base.enterpriseId);
  // Durable before the POST, so a restart knows a create may be under way, and that
  // the customer is the bridge's even if its answer (the Location) is never saved.
  await saveCustomer(store, { ...base, status: 'creating', createdByBridge: true });
  try {
    io.countCreate();
    const created = await api.wholesale.createCustomer(body, call);
    const saved = await saveCustomer(store, {
      ...base,
      status: 'provisioning',
      createdByBridge: true,
      locationUrl: created.data.url,
      lastTrackingId: created.trackingId,
    });
    return { rec: saved, trackingId: created.trackingId };
  } catch (err) {
    if (!(isWebexError(err) && err.facts.httpStatus === 409)) throw err;
    // Webex already has this externalId but did not list it: look again later, with backoff
    // (an immediate retry would POST again in a tight loop until the list shows it).
    const saved = await saveCustomer(store, { ...base, status: 'creating', createdByBridge: true, lastTrackingId: err.facts.trackingId });
    return { rec: saved, trackingId: listed.trackingId };
  }
}

/** How long the create-once claim lasts: a list and a create (each bounded by the client's timeouts), with margin. */
const CREATION_CLAIM_MS = 120_000;

export function createCustomerOnboarding(deps: {
  store: Store;
  api: WebexProvisioningApi;
  settings: PipelineSettings;
  now?: () => number;
  /** The worker's lease owner; made unique per onboarding, so two workers of one host never share a creation claim. */
  owner?: string;
}): CustomerOnboarding {
  const { store, api, settings } = deps;
  const now = deps.now ?? Date.now;
  const claimOwner = `${deps.owner ?? 'worker'}#${randomUUID()}`;
  // Single flight per enterprise: concurrent jobs of one enterprise share one check/create.
  const inFlight = new Map<string, Promise<CustomerReadiness>>();
  const nextCheckAt = new Map<string, { at: number; polls: number }>();
  let createCount = 0;
  let adminLock: Promise<void> = Promise.resolve();
  const io = { store, api, countCreate: () => void createCount++ };

  /**
   * Create once per enterprise across instances: only the holder of the customer's creation
   * claim lists and creates (the claim is a row update, never a lock held across the HTTP
   * calls); the others wait a poll interval and look again, by then at the saved customer.
   */
  async function claimed(enterpriseId: string, template: Template, call: WebexCallContext): Promise<CustomerLookup | { waitMs: number }> {
    const known = (rec: CustomerRecord | undefined) => Boolean(rec?.locationUrl || rec?.webexCustomerId);
    let stored = await store.customers.get(enterpriseId);
    if (!known(stored)) {
      if (!(await store.customers.claimCreation(enterpriseId, { owner: claimOwner, template: template.name, leaseMs: CREATION_CLAIM_MS, now: now() })))
        return { waitMs: pollDelayMs(0, { initialMs: settings.pollInitialMs, maxMs: settings.pollMaxMs }) };
      try {
        // Read again under the claim: the previous holder may have saved the customer meanwhile.
        stored = await store.customers.get(enterpriseId);
        return await lookUpOrCreate(io, stored, stored ?? { enterpriseId, template: template.name, status: 'unknown' }, template, call);
      } finally {
        await store.customers.releaseCreation(enterpriseId, claimOwner);
      }
    }
    if (stored && READY.has(stored.status) && stored.webexCustomerId) return { rec: stored };
    return lookUpOrCreate(io, stored, stored!, template, call);
  }

  async function check(enterpriseId: string, template: Template, call: WebexCallContext): Promise<CustomerReadiness> {
    const found = await claimed(enterpriseId, template, call);
    if ('waitMs' in found) return found;
    const { rec, customer, trackingId } = found;
    if (READY.has(rec.status) && rec.webexCustomerId) {
      nextCheckAt.delete(enterpriseId);
      return { ready: rec };
    }
    if (rec.status === 'error') customerFailed(rec, customer, trackingId);
    const polls = (nextCheckAt.get(enterpriseId)?.polls ?? 0) + 1;
    const waitMs = pollDelayMs(polls - 1, { initialMs: settings.pollInitialMs, maxMs: settings.pollMaxMs });
    nextCheckAt.set(enterpriseId, { at: now() + waitMs, polls });
    return { waitMs };
  }

  return {
    async ensure(enterpriseId, template, call) {
      const rec = await store.customers.get(enterpriseId);
      if (rec && READY.has(rec.status) && rec.webexCustomerId) return { ready: rec };
      if (rec?.status === 'error') customerFailed(rec);
      const next = nextCheckAt.get(enterpriseId);
      if (next && next.at > now() && !inFlight.has(enterpriseId)) return { waitMs: next.at - now() };
      let flight = inFlight.get(enterpriseId);
      if (!flight) {
        // Not fenced by the first job's lease (beforeSend): the flight is the enterprise's, shared by
        // its jobs and guarded by its creation claim; a lease lost by one job must not fail the others.
        const { beforeSend: _lease, ...shared } = call;
        flight = check(enterpriseId, template, shared).finally(() => inFlight.delete(enterpriseId));
        inFlight.set(enterpriseId, flight);
      }
      return flight;
    },
    async noteProvisionedUser(enterpriseId, userId) {
      const run = adminLock.then(async () => {
        const rec = await store.customers.get(enterpriseId);
        // Only customers the bridge created get an administrator.
        if (!rec || rec.adminUserId || !rec.createdByBridge) return;
        await saveCustomer(store, { ...rec, adminUserId: userId });
      });
      adminLock = run.catch(() => undefined);
      return run;
    },
    creates: () => createCount,
  };
}

/** POST /wholesale/customers from the template's onboarding data. */
export function customerCreateBody(template: Template, enterpriseId: string): WholesaleCustomerCreate {
  const onboarding = template.wholesale;
  if (!onboarding?.address) {
    throw new ImpbError('IMPB_ERR_PIPELINE_TEMPLATE_INCOMPLETE', {
      message: `template ${template.name} has no wholesale.address: cannot create the Wholesale customer of ${enterpriseId}`,
    });
  }
  const fill = (text: string | undefined) => text?.replace(/\{enterpriseId\}/g, enterpriseId);
  const body: WholesaleCustomerCreate = {
    provisioningId: onboarding.provisioningId ?? template.provisioningId,
    packages: onboarding.packages,
    externalId: enterpriseId,
    address: onboarding.address,
  };
  const name = fill(onboarding.customerName) ?? enterpriseId;
  const primaryEmail = fill(onboarding.primaryEmail);
  if (primaryEmail) body.customerInfo = { name, primaryEmail, ...(onboarding.language ? { language: onboarding.language } : {}) };
  if (onboarding.callingLocation) {
    body.provisioningParameters = {
      calling: {
        location: {
          name: onboarding.callingLocation.name,
          address: onboarding.address,
          ...withValue('timezone', onboarding.callingLocation.timezone ?? template.timeZone),
          ...withValue('language', onboarding.callingLocation.language ?? onboarding.language ?? template.language),
        },
      },
    };
  }
  return body;
}

function withValue<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
