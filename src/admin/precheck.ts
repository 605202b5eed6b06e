import type { Template, UserProfile } from '../domain';
import { ImpbError, isWebexError } from '../errors';
import type { BroadworksPrecheck, WebexProvisioningApi, WholesalePrecheck } from '../pipeline/webex-port';
import type { Store } from '../store';

export interface PrecheckInput {
  userId: string;
  template: string;
  /** Overrides, for a user the proxy has not seen yet (or to try another address). */
  email?: string;
  firstName?: string;
  lastName?: string;
  enterpriseId?: string;
}

export interface PrecheckOutcome {
  ok: boolean;
  api: 'broadworks' | 'wholesale';
  /** The body sent to Webex's precheck: what the proxy would send for this user. */
  request: BroadworksPrecheck | WholesalePrecheck;
  httpStatus?: number;
  trackingId?: string;
  result?: unknown;
  error?: { code: string; message: string; webexErrors?: unknown };
}

/** Calls Webex's precheck with the subscriber data the proxy holds for the user. */
export async function runPrecheck(deps: { store: Store; webex: WebexProvisioningApi }, input: PrecheckInput): Promise<PrecheckOutcome> {
  const { store } = deps;
  const template = await store.templates.get(input.template);
  if (!template) throw new ImpbError('IMPB_ERR_NOT_FOUND', { message: `no template named "${input.template}"`, details: { template: input.template } });
  const subscriber = await store.subscribers.get(input.userId);
  const [lastEvent] = await store.events.listForUser(input.userId, 1);
  const profile: UserProfile = { ...(lastEvent?.profile ?? {}), ...(subscriber?.profile ?? {}) };
  const email = input.email ?? subscriber?.email ?? profile.email;
  const enterpriseId = input.enterpriseId ?? subscriber?.enterpriseId ?? lastEvent?.enterpriseId;
  const problems: Array<{ path: string; message: string }> = [];
  if (!email) problems.push({ path: 'email', message: 'no email known for this user: pass one' });
  if (!enterpriseId) problems.push({ path: 'enterpriseId', message: 'the proxy has not seen this user: pass the enterprise id' });
  if (problems.length) {
    throw new ImpbError('IMPB_ERR_VALIDATION', { message: problems.map((p) => `${p.path}: ${p.message}`).join('; '), details: { problems } });
  }
  const request =
    template.targetApi === 'wholesale'
      ? await wholesaleBody(store, template, enterpriseId!, email!, profile, input)
      : broadworksBody(template, input.userId, enterpriseId!, email!, profile, input);
  const ctx = { userId: input.userId, enterpriseId };
  try {
    const res =
      template.targetApi === 'wholesale'
        ? await deps.webex.wholesale.precheck(request as WholesalePrecheck, ctx)
        : await deps.webex.broadworks.precheck(request as BroadworksPrecheck, ctx);
    return { ok: true, api: template.targetApi, request, httpStatus: res.httpStatus, trackingId: res.trackingId, result: res.data };
  } catch (err) {
    if (!isWebexError(err)) throw err;
    return {
      ok: false,
      api: template.targetApi,
      request,
      httpStatus: err.httpStatus,
      trackingId: err.trackingId,
      error: { code: err.code, message: err.message, webexErrors: err.facts.webexErrors },
    };
  }
}

function broadworksBody(t: Template, userId: string, enterpriseId: string, email: string, p: UserProfile, input: PrecheckInput): BroadworksPrecheck {
  return strip({
    provisioningId: t.provisioningId,
    userId,
    spEnterpriseId: enterpriseId,
    firstName: input.firstName ?? p.firstName,
    lastName: input.lastName ?? p.lastName,
    package: t.package,
    email,
    primaryPhoneNumber: p.phoneNumber,
    mobilePhoneNumber: p.mobilePhoneNumber,
    extension: p.extension,
  }) as BroadworksPrecheck;
}

async function wholesaleBody(store: Store, t: Template, enterpriseId: string, email: string, p: UserProfile, input: PrecheckInput): Promise<WholesalePrecheck> {
  const customer = await store.customers.get(enterpriseId);
  const primaryEmail = t.wholesale?.primaryEmail?.replace(/\{enterpriseId\}/g, enterpriseId);
  return strip({
    provisioningId: t.wholesale?.provisioningId ?? t.provisioningId,
    customerId: customer?.webexCustomerId,
    email,
    package: t.package,
    provisioningParameters: strip({
      firstName: input.firstName ?? p.firstName,
      lastName: input.lastName ?? p.lastName,
      primaryPhoneNumber: p.phoneNumber,
      extension: p.extension,
      locationId: t.wholesale?.locationId,
    }),
    customerInfo: !customer?.webexCustomerId && primaryEmail ? { primaryEmail } : undefined,
  }) as WholesalePrecheck;
}

function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as T;
}
