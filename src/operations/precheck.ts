import type { Template } from '../domain';
import { ImpbError, isWebexError } from '../errors';
import { broadworksCreateBody, mergeProfile, wholesaleCreateBody, type AppliedProfile } from '../pipeline/profile-mapping';
import type { BroadworksPrecheck, WebexProvisioningApi, WholesalePrecheck } from '../pipeline/webex-port';
import type { Store } from '../store';

export interface PrecheckInput {
  userId: string;
  /** Default: the template of the tracked user. */
  template?: string;
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

/**
 * Calls Webex's precheck with exactly the create body provisioning would send for the user
 * now: the pipeline's own builders, the subscriber's current package, the profile as a resync
 * merges it (the recorded profile, then the user's last event).
 */
export async function runPrecheck(deps: { store: Store; webex: WebexProvisioningApi }, input: PrecheckInput): Promise<PrecheckOutcome> {
  const { store } = deps;
  const subscriber = await store.subscribers.get(input.userId);
  // A tracked user is checked against the template the proxy provisions them with.
  const templateName = input.template ?? subscriber?.template;
  if (!templateName) {
    throw new ImpbError('IMPB_ERR_VALIDATION', {
      message: 'template: the proxy has not seen this user: name the template to check against',
      details: { problems: [{ path: 'template', message: 'the proxy has not seen this user: name the template to check against' }] },
    });
  }
  const template = await store.templates.get(templateName);
  if (!template) throw new ImpbError('IMPB_ERR_NOT_FOUND', { message: `no template named "${templateName}"`, details: { template: templateName } });
  const [lastEvent] = await store.events.listForUser(input.userId, 1);
  const profile = mergeProfile(mergeProfile(subscriber?.profile, lastEvent?.profile), strip({ firstName: input.firstName, lastName: input.lastName }));
  const email = input.email ?? profile.email ?? subscriber?.email;
  const enterpriseId = input.enterpriseId ?? subscriber?.enterpriseId ?? lastEvent?.enterpriseId;
  const problems: Array<{ path: string; message: string }> = [];
  if (!email) problems.push({ path: 'email', message: 'no email known for this user: pass one' });
  if (!enterpriseId) problems.push({ path: 'enterpriseId', message: 'the proxy has not seen this user: pass the enterprise id' });
  if (problems.length) {
    throw new ImpbError('IMPB_ERR_VALIDATION', { message: problems.map((p) => `${p.path}: ${p.message}`).join('; '), details: { problems } });
  }
  const applied = { ...profile, email: email };
  const pkg = subscriber?.package ?? template.package;
  const request =
    template.targetApi === 'wholesale'
      ? await wholesaleBody(store, template, enterpriseId, applied, pkg)
      : ({ ...broadworksCreateBody(template, input.userId, enterpriseId, applied, pkg), email: email } satisfies BroadworksPrecheck);
  const ctx = { userId: input.userId, enterpriseId };
  try {
    const res = template.targetApi === 'wholesale' ? await deps.webex.wholesale.precheck(request, ctx) : await deps.webex.broadworks.precheck(request, ctx);
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

/** The create body plus what only precheck takes: the provisioningId, and the customer to create when it does not exist yet. */
async function wholesaleBody(
  store: Store,
  t: Template,
  enterpriseId: string,
  profile: AppliedProfile & { email: string },
  pkg: string,
): Promise<WholesalePrecheck> {
  const customer = await store.customers.get(enterpriseId);
  const primaryEmail = t.wholesale?.primaryEmail?.replace(/\{enterpriseId\}/g, enterpriseId);
  const { customerId, ...create } = wholesaleCreateBody(t, customer?.webexCustomerId ?? '', profile.email, profile, pkg);
  return strip({
    provisioningId: t.wholesale?.provisioningId ?? t.provisioningId,
    ...(customerId ? { customerId } : {}),
    ...create,
    customerInfo: !customerId && primaryEmail ? { primaryEmail } : undefined,
  });
}

function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as T;
}
