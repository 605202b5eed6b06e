import type { SimContext, SimRequest } from './sim-context';
import { bumpVersion, isVersion } from './sim-context';
import {
  asJsonObject,
  instantFilter,
  invalidField,
  nowIso,
  passesInstant,
  optionalString,
  paginate,
  requireString,
  SimHttpError,
  webexId,
  type SimResponse,
} from './sim-support';
import type { Json } from './simulator-types';

const CUSTOMER_PACKAGES = [
  'common_area_calling',
  'webex_calling',
  'webex_meetings',
  'webex_suite',
  'webex_voice',
  'cx_essentials',
  'webex_calling_standard',
  'cisco_calling_plan',
  'attendant_console',
  'cx_premium_agent',
  'cx_standard_agent',
  'cx_voice_ports',
  'cx_ai_assistant',
  'webex_ai_agent',
];
const SUBSCRIBER_PACKAGES = [
  'webex_calling',
  'webex_meetings',
  'webex_suite',
  'webex_voice',
  'cx_essentials',
  'webex_calling_standard',
  'attendant_console',
  'cx_premium_agent',
  'cx_standard_agent',
];
/** Packages that need a primary phone number and/or an extension (spec: "calling-enabled package"). */
const CALLING_PACKAGES = new Set(['webex_calling', 'webex_suite', 'webex_voice', 'cx_essentials', 'webex_calling_standard']);

/** /wholesale/customers[...] and /wholesale/subscribers[...]: the Webex Wholesale APIs. */
export function handleWholesale(ctx: SimContext, req: SimRequest): SimResponse | undefined {
  const [, resource, id, extra] = req.segments;
  if (extra !== undefined) return undefined;
  if (resource === 'customers') return customers(ctx, req, id);
  if (resource === 'subscribers') return subscribers(ctx, req, id);
  return undefined;
}

// ---------- customers ----------

function customers(ctx: SimContext, req: SimRequest, id: string | undefined): SimResponse {
  const all = ctx.state.customers;
  if (id === undefined) {
    if (req.method === 'GET') return listCustomers(ctx, req);
    if (req.method === 'POST') return createCustomer(ctx, asJsonObject(req.body));
    throw new SimHttpError(405, 'Method not allowed');
  }
  if (id === 'validate') {
    if (req.method !== 'POST') throw new SimHttpError(405, 'Method not allowed');
    const body = asJsonObject(req.body);
    checkAddress(body.address, 'address');
    return { status: 200, body: { message: 'success', info: { infoCode: 100, description: 'Provisioning preCheck validation successful.' } } };
  }
  const record = all.get(id);
  if (!record) throw new SimHttpError(404, 'Customer not found', undefined, `No Wholesale customer with id ${id}`);
  const url = `${ctx.baseUrl}/wholesale/customers/${id}`;
  switch (req.method) {
    case 'GET':
      return { status: 200, body: record };
    case 'PUT': {
      const body = asJsonObject(req.body);
      record.packages = checkPackages(body.packages, CUSTOMER_PACKAGES, true);
      if (body.address !== undefined) record.address = checkAddress(body.address, 'address');
      if (body.externalId !== undefined) record.externalId = requireString(body, 'externalId');
      if (body.provisioningParameters !== undefined) checkCustomerParameters(body.provisioningParameters);
      transition(ctx, record, 'updating', 'provisioned', ctx.customerProvisioningDelayMs);
      return { status: 202, body: { url }, headers: { location: url } };
    }
    case 'DELETE': {
      record.status = 'deleting';
      record.lastStatusChange = nowIso();
      const version = bumpVersion(record);
      ctx.schedule(ctx.customerProvisioningDelayMs, () => {
        if (isVersion(record, version)) all.delete(id);
      });
      return { status: 202 };
    }
    default:
      throw new SimHttpError(405, 'Method not allowed');
  }
}

function checkAddress(value: unknown, field: string): Json {
  if (value === undefined) throw invalidField(field);
  const address = asJsonObject(value, field);
  for (const key of ['addressLine1', 'city', 'country']) requireString(address, key, `${field}.${key}`);
  for (const key of ['addressLine2', 'stateOrProvince', 'zipOrPostalCode']) optionalString(address, key, `${field}.${key}`);
  return address;
}

function checkCustomerParameters(value: unknown): void {
  const params = asJsonObject(value, 'provisioningParameters');
  if (params.calling !== undefined) {
    const calling = asJsonObject(params.calling, 'provisioningParameters.calling');
    if (calling.location === undefined) throw invalidField('provisioningParameters.calling.location');
    const location = asJsonObject(calling.location, 'provisioningParameters.calling.location');
    for (const key of ['name', 'timezone', 'language']) requireString(location, key, `provisioningParameters.calling.location.${key}`);
    checkAddress(location.address, 'provisioningParameters.calling.location.address');
  }
}

function checkPackages(value: unknown, allowed: string[], required: boolean, field = 'packages'): string[] {
  if (value === undefined) {
    if (required) throw invalidField(field);
    return [];
  }
  if (!Array.isArray(value) || value.length === 0) throw invalidField(field, 'must be a non-empty list');
  for (const pkg of value) {
    if (typeof pkg !== 'string' || !allowed.includes(pkg)) throw invalidField(field, `contains an unknown package ${JSON.stringify(pkg)}`);
  }
  return value as string[];
}

function createCustomer(ctx: SimContext, body: Json): SimResponse {
  requireString(body, 'provisioningId');
  const packages = checkPackages(body.packages, CUSTOMER_PACKAGES, true);
  const externalId = requireString(body, 'externalId');
  const address = checkAddress(body.address, 'address');
  if (body.customerInfo !== undefined) {
    const info = asJsonObject(body.customerInfo, 'customerInfo');
    requireString(info, 'name', 'customerInfo.name');
    requireString(info, 'primaryEmail', 'customerInfo.primaryEmail');
  }
  if (body.provisioningParameters !== undefined) checkCustomerParameters(body.provisioningParameters);
  if ([...ctx.state.customers.values()].some((c) => c.externalId === externalId)) {
    throw new SimHttpError(409, 'Customer already exists', undefined, `A customer with externalId ${externalId} already exists`);
  }
  const id = webexId('CUSTOMER');
  const record: Json = { id, externalId, address, status: 'provisioning', packages };
  if (typeof body.orgId === 'string') record.orgId = body.orgId;
  ctx.state.customers.set(id, record);
  ctx.creates.customers += 1;
  transition(ctx, record, 'provisioning', 'provisioned', ctx.customerProvisioningDelayMs);
  const url = `${ctx.baseUrl}/wholesale/customers/${id}`;
  return { status: 202, body: { url }, headers: { location: url } };
}

function transition(ctx: SimContext, record: Json, now: string, later: string, delayMs: number): void {
  record.status = now;
  const version = bumpVersion(record);
  ctx.schedule(delayMs, () => {
    if (!isVersion(record, version)) return;
    record.status = later;
    record.orgId ??= webexId('ORGANIZATION');
  });
}

function listCustomers(ctx: SimContext, req: SimRequest): SimResponse {
  const q = req.query;
  const statuses = q
    .getAll('status')
    .flatMap((s) => s.split(','))
    .filter(Boolean);
  const matches = [...ctx.state.customers.values()].filter(
    (c) =>
      (q.get('externalId') === null || c.externalId === q.get('externalId')) &&
      (q.get('orgId') === null || c.orgId === q.get('orgId')) &&
      (statuses.length === 0 || statuses.includes(String(c.status))),
  );
  const { page, link } = paginate(matches, {
    routeUrl: `${ctx.baseUrl}/wholesale/customers`,
    query: q,
    cursorParam: 'offset',
    brokenLinks: Boolean(ctx.faults().brokenNextLinks),
  });
  return { status: 200, body: { items: page }, headers: link ? { link } : {} };
}

// ---------- subscribers ----------

function subscribers(ctx: SimContext, req: SimRequest, id: string | undefined): SimResponse {
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
    const packages = checkPackages(body.packages, SUBSCRIBER_PACKAGES, true);
    // The spec: "Currently accepts only one package in the list."
    if (packages.length > 1) throw invalidField('packages', 'accepts only one package');
    return { packages };
  }
  if (hasPackage) {
    if (typeof body.package !== 'string' || !SUBSCRIBER_PACKAGES.includes(body.package)) throw invalidField('package', 'is not a known package');
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
