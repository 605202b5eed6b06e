import { WHOLESALE_SUBSCRIBER_PACKAGES } from '../../domain';
import type { SimContext, SimRequest } from './sim-context';
import {
  asJsonObject,
  instantFilter,
  invalidField,
  nowIso,
  optionalString,
  paginate,
  passesInstant,
  requireString,
  SimHttpError,
  webexId,
  type SimResponse,
} from './sim-support';
import type { Json } from './simulator-types';
import { CALLING_PACKAGES, checkPackages } from './wholesale-packages';

/** /wholesale/subscribers[/{id}|/validate]: the Webex Wholesale subscriber API. */
export function wholesaleSubscribers(ctx: SimContext, req: SimRequest, id: string | undefined): SimResponse {
  const all = ctx.state.wholesaleSubscribers;
  if (id === undefined) {
    if (req.method === 'GET') return listSubscribers(ctx, req);
    if (req.method === 'POST') return createSubscriber(ctx, asJsonObject(req.body));
    throw new SimHttpError(405, 'Method not allowed');
  }
  if (id === 'validate') {
    if (req.method !== 'POST') throw new SimHttpError(405, 'Method not allowed');
    const body = asJsonObject(req.body);
    requireString(body, 'email');
    packageChoice(body, false);
    return { status: 200, body: { message: 'success', info: { infoCode: 100, description: 'Provisioning preCheck validation successful.' } } };
  }
  const record = all.get(id);
  if (!record) throw new SimHttpError(404, 'Subscriber not found', undefined, `No Wholesale subscriber with id ${id}`);
  switch (req.method) {
    case 'GET':
      return { status: 200, body: record };
    case 'PUT':
      return updateSubscriber(ctx, record, asJsonObject(req.body));
    case 'DELETE':
      all.delete(id);
      ctx.state.wholesaleCalling.delete(id);
      return { status: 204 };
    default:
      throw new SimHttpError(405, 'Method not allowed');
  }
}

/** "Either `packages` or `package` field is required but not both." */
function packageChoice(body: Json, required: boolean): { packages?: string[] } {
  const hasPackage = body.package !== undefined;
  const hasPackages = body.packages !== undefined;
  if (hasPackage && hasPackages)
    throw new SimHttpError(400, 'Invalid request: either packages or package is required, but not both', 1001, 'packages and package are mutually exclusive');
  if (hasPackages) {
    const packages = checkPackages(body.packages, WHOLESALE_SUBSCRIBER_PACKAGES, true);
    // The spec: "Currently accepts only one package in the list."
    if (packages.length > 1) throw invalidField('packages', 'accepts only one package');
    return { packages };
  }
  if (hasPackage) {
    if (typeof body.package !== 'string' || !(WHOLESALE_SUBSCRIBER_PACKAGES as readonly string[]).includes(body.package))
      throw invalidField('package', 'is not a known package');
    return { packages: [body.package] };
  }
  if (required) throw invalidField('packages');
  return {};
}

const CALLING_PARAMS = ['primaryPhoneNumber', 'extension', 'locationId'] as const;

function readCallingParams(body: Json, keys: readonly string[]): Json {
  if (body.provisioningParameters === undefined) return {};
  const params = asJsonObject(body.provisioningParameters, 'provisioningParameters');
  for (const key of keys) optionalString(params, key, `provisioningParameters.${key}`);
  return params;
}

/** What Webex Calling keeps for the user (not part of the subscriber answer; GET /people shows it). */
function callingSettings(params: Json): Json {
  const out: Json = {};
  for (const key of CALLING_PARAMS) if (params[key]) out[key] = params[key];
  return out;
}

const hasCalling = (packages: unknown) => Array.isArray(packages) && packages.some((p) => CALLING_PACKAGES.has(String(p)));

/**
 * PUT: everything is checked against the record as it is before anything changes, so a refused
 * update leaves the subscriber untouched. provisioningParameters only count when the user moves
 * from a non-calling package to a calling one (the spec ignores them otherwise).
 */
function updateSubscriber(ctx: SimContext, record: Json, body: Json): SimResponse {
  const choice = packageChoice(body, false);
  const params = readCallingParams(body, CALLING_PARAMS);
  const gainsCalling = choice.packages !== undefined && hasCalling(choice.packages) && !hasCalling(record.packages);
  if (gainsCalling && !params.primaryPhoneNumber && !params.extension) {
    throw invalidField('provisioningParameters.primaryPhoneNumber', 'or provisioningParameters.extension is required for a calling package');
  }
  if (choice.packages) {
    record.packages = choice.packages;
    record.package = choice.packages[0];
  }
  if (gainsCalling) ctx.state.wholesaleCalling.set(record.id as string, callingSettings(params));
  record.lastStatusChange = nowIso();
  return { status: 200, body: record };
}

function createSubscriber(ctx: SimContext, body: Json): SimResponse {
  const customerId = requireString(body, 'customerId');
  const email = requireString(body, 'email');
  const { packages = [] } = packageChoice(body, true);
  if (body.provisioningParameters === undefined) throw invalidField('provisioningParameters');
  const params = readCallingParams(body, ['firstName', 'lastName', ...CALLING_PARAMS]);
  const customer = ctx.state.customers.get(customerId);
  if (!customer) throw new SimHttpError(404, 'Customer not found', undefined, `No Wholesale customer with id ${customerId}`);
  // The simulator answers 423 while the customer is still being set up, a condition worth retrying.
  if (customer.status !== 'provisioned')
    throw new SimHttpError(423, 'Customer is not provisioned yet', undefined, `customer status is ${String(customer.status)}`);
  const migrating = ctx.state.existingWebexUserEmails.has(email);
  if (!migrating && packages.some((p) => CALLING_PACKAGES.has(p)) && !params.primaryPhoneNumber && !params.extension) {
    throw invalidField('provisioningParameters.primaryPhoneNumber', 'or provisioningParameters.extension is required for a calling package');
  }
  if ([...ctx.state.wholesaleSubscribers.values()].some((s) => s.email === email)) {
    throw new SimHttpError(409, 'Subscriber already exists', undefined, `A subscriber with email ${email} already exists`);
  }
  const at = nowIso();
  const personId = webexId('PEOPLE');
  const record: Json = {
    id: personId,
    email,
    customerId,
    externalCustomerId: customer.externalId,
    package: packages[0],
    packages,
    status: migrating ? 'pending_user_migration' : 'provisioned',
    created: at,
    lastStatusChange: at,
  };
  if (!migrating) record.personId = personId;
  ctx.state.wholesaleSubscribers.set(personId, record);
  // An existing Webex Calling user keeps their settings: the spec ignores these parameters then.
  if (!migrating && hasCalling(packages)) ctx.state.wholesaleCalling.set(personId, callingSettings(params));
  ctx.creates.wholesaleSubscribers += 1;
  const location = `${ctx.baseUrl}/wholesale/subscribers/${personId}`;
  return { status: migrating ? 202 : 200, body: record, headers: { location } };
}

function listSubscribers(ctx: SimContext, req: SimRequest): SimResponse {
  const q = req.query;
  const after = instantFilter(q, 'after');
  const changed = instantFilter(q, 'lastStatusChange');
  const matches = [...ctx.state.wholesaleSubscribers.values()].filter((s) => {
    for (const field of ['customerId', 'personId', 'externalCustomerId', 'email', 'status']) {
      const wanted = q.get(field);
      if (wanted !== null && s[field] !== wanted) return false;
    }
    return passesInstant(s.created, after, true) && passesInstant(s.lastStatusChange, changed, false);
  });
  const { page, link } = paginate(matches, {
    routeUrl: `${ctx.baseUrl}/wholesale/subscribers`,
    query: q,
    cursorParam: 'offset',
    brokenLinks: Boolean(ctx.faults().brokenNextLinks),
  });
  return { status: 200, body: { items: page }, headers: link ? { link } : {} };
}
