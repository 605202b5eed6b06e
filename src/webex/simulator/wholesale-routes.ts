import { WHOLESALE_CUSTOMER_PACKAGES } from '../../domain';
import type { SimContext, SimRequest } from './sim-context';
import { bumpVersion, isVersion } from './sim-context';
import { asJsonObject, invalidField, nowIso, optionalString, paginate, requireString, SimHttpError, webexId, type SimResponse } from './sim-support';
import type { Json } from './simulator-types';
import { checkPackages } from './wholesale-packages';
import { wholesaleSubscribers } from './wholesale-subscriber-routes';

/** /wholesale/customers[...] and /wholesale/subscribers[...]: the Webex Wholesale APIs. */
export function handleWholesale(ctx: SimContext, req: SimRequest): SimResponse | undefined {
  const [, resource, id, extra] = req.segments;
  if (extra !== undefined) return undefined;
  if (resource === 'customers') return customers(ctx, req, id);
  if (resource === 'subscribers') return wholesaleSubscribers(ctx, req, id);
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
      record.packages = checkPackages(body.packages, WHOLESALE_CUSTOMER_PACKAGES, true);
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

function createCustomer(ctx: SimContext, body: Json): SimResponse {
  requireString(body, 'provisioningId');
  const packages = checkPackages(body.packages, WHOLESALE_CUSTOMER_PACKAGES, true);
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
