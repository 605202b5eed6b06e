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

const PACKAGES = ['softphone', 'basic', 'standard', 'premium'];
const STATUSES = ['pending_email_input', 'pending_email_validation', 'pending_user_migration', 'provisioning', 'provisioned', 'updating', 'error'];
const ERROR_10022 = { errorCode: 10022, description: 'The BroadWorks UserID is already associated with an existing user' };

/** /broadworks/subscribers[...]: the Webex for BroadWorks Subscribers API. */
export function handleBroadworks(ctx: SimContext, req: SimRequest): SimResponse | undefined {
  const [, resource, id, extra] = req.segments;
  if (resource !== 'subscribers' || extra !== undefined) return undefined;
  const subs = ctx.state.broadworksSubscribers;
  if (id === undefined) {
    if (req.method === 'GET') return list(ctx, req);
    if (req.method === 'POST') return create(ctx, asJsonObject(req.body));
    throw new SimHttpError(405, 'Method not allowed');
  }
  if (id === 'validate') {
    if (req.method !== 'POST') throw new SimHttpError(405, 'Method not allowed');
    return precheck(asJsonObject(req.body));
  }
  const record = subs.get(id);
  if (!record) throw new SimHttpError(404, 'Subscriber not found', undefined, `No BroadWorks subscriber with id ${id}`);
  switch (req.method) {
    case 'GET':
      return { status: 200, body: record };
    case 'PUT':
      return update(ctx, record, asJsonObject(req.body));
    case 'DELETE':
      subs.delete(id);
      bumpVersion(record);
      return { status: 204 };
    default:
      throw new SimHttpError(405, 'Method not allowed');
  }
}

function checkPackage(body: Json): void {
  const pkg = body.package;
  if (pkg !== undefined && (typeof pkg !== 'string' || !PACKAGES.includes(pkg))) throw invalidField('package', `must be one of ${PACKAGES.join(', ')}`);
}

function create(ctx: SimContext, body: Json): SimResponse {
  for (const field of ['provisioningId', 'userId', 'spEnterpriseId', 'firstName', 'lastName', 'package']) requireString(body, field);
  checkPackage(body);
  for (const field of ['primaryPhoneNumber', 'mobilePhoneNumber', 'extension', 'email', 'language', 'timezone']) optionalString(body, field);
  // Whether emails are trusted is a setting of the Partner Hub template the provisioningId names.
  const trusted = !ctx.state.untrustedEmailProvisioningIds.has(body.provisioningId as string);
  if (trusted && !body.email) throw invalidField('email', 'is required for the trusted email provisioning flow');
  const userId = body.userId as string;
  const createdHere = [...ctx.state.broadworksSubscribers.values()].some((s) => s.userId === userId && s.status !== 'error');
  if (createdHere) ctx.duplicateCreates += 1;
  const alreadyMapped = ctx.state.preMappedUserIds.has(userId) || createdHere;
  const at = nowIso();
  const record: Json = {
    id: webexId('SUBSCRIBER'),
    userId,
    spEnterpriseId: body.spEnterpriseId,
    firstName: body.firstName,
    lastName: body.lastName,
  };
  for (const field of ['email', 'primaryPhoneNumber', 'mobilePhoneNumber', 'extension']) if (body[field]) record[field] = body[field];
  Object.assign(record, {
    package: body.package,
    // Untrusted emails: Webex waits for the user to enter (no email) or to confirm (email) an address.
    status: trusted ? 'provisioning' : body.email ? 'pending_email_validation' : 'pending_email_input',
    created: at,
    lastStatusChange: at,
    provisioningId: body.provisioningId,
    selfActivated: false,
  });
  ctx.state.broadworksSubscribers.set(record.id as string, record);
  ctx.creates.broadworksSubscribers += 1;
  if (record.status === 'provisioning') settleLater(ctx, record, alreadyMapped);
  return { status: 200, body: record };
}

function settleLater(ctx: SimContext, record: Json, alreadyMapped: boolean): void {
  const version = bumpVersion(record);
  ctx.schedule(ctx.provisioningDelayMs, () => {
    if (!isVersion(record, version)) return;
    record.lastStatusChange = nowIso();
    if (alreadyMapped) {
      record.status = 'error';
      record.errors = [ERROR_10022];
      return;
    }
    markProvisioned(ctx, record);
  });
}

/** The first provisioned user of an enterprise creates its customer org; the person belongs to it. */
function markProvisioned(ctx: SimContext, record: Json): void {
  record.status = 'provisioned';
  record.personId ??= webexId('PEOPLE');
  delete record.errors;
  const enterprise = String(record.spEnterpriseId);
  if (!ctx.state.broadworksCustomerOrgs.has(enterprise)) ctx.state.broadworksCustomerOrgs.set(enterprise, webexId('ORGANIZATION'));
}

function update(ctx: SimContext, record: Json, body: Json): SimResponse {
  for (const field of ['userId', 'firstName', 'lastName', 'primaryPhoneNumber', 'mobilePhoneNumber', 'extension', 'timezone', 'package'])
    optionalString(body, field);
  for (const field of ['userId', 'firstName', 'lastName', 'package']) if (body[field] === '') throw invalidField(field, 'cannot be empty');
  checkPackage(body);
  const phone = body.primaryPhoneNumber ?? record.primaryPhoneNumber;
  const ext = body.extension ?? record.extension;
  // The spec: '' removes the value, but the user must keep a primary number or an extension.
  if (body.primaryPhoneNumber === '' && !ext) throw invalidField('primaryPhoneNumber', 'can only be removed while an extension is set');
  if (body.extension === '' && !phone) throw invalidField('extension', 'can only be removed while a primary phone number is set');
  for (const field of ['userId', 'firstName', 'lastName', 'primaryPhoneNumber', 'mobilePhoneNumber', 'extension', 'package']) {
    if (body[field] === undefined) continue;
    if (body[field] === '') delete record[field];
    else record[field] = body[field];
  }
  if (record.status !== 'pending_email_input' && record.status !== 'pending_email_validation') {
    record.status = 'updating';
    record.lastStatusChange = nowIso();
    const version = bumpVersion(record);
    ctx.schedule(ctx.provisioningDelayMs, () => {
      if (!isVersion(record, version)) return;
      markProvisioned(ctx, record);
      record.lastStatusChange = nowIso();
    });
  }
  return { status: 200, body: record };
}

function precheck(body: Json): SimResponse {
  requireString(body, 'email');
  checkPackage(body);
  return { status: 200, body: { message: 'success', info: { infoCode: 100, description: 'Provisioning preCheck validation successful.' } } };
}

function list(ctx: SimContext, req: SimRequest): SimResponse {
  const q = req.query;
  // "This Parameter supports multiple comma separated values" (spec).
  const statuses = q
    .getAll('status')
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const status of statuses) if (!STATUSES.includes(status)) throw invalidField('status', `must be one or more of ${STATUSES.join(', ')}`);
  const selfActivated = q.get('selfActivated');
  if (selfActivated !== null && selfActivated !== 'true' && selfActivated !== 'false') throw invalidField('selfActivated', 'must be true or false');
  const after = instantFilter(q, 'after');
  const changed = instantFilter(q, 'lastStatusChange');
  const matches = [...ctx.state.broadworksSubscribers.values()].filter((s) => {
    for (const field of ['userId', 'personId', 'email', 'provisioningId', 'spEnterpriseId']) {
      const wanted = q.get(field);
      if (wanted !== null && s[field] !== wanted) return false;
    }
    if (statuses.length > 0 && !statuses.includes(String(s.status))) return false;
    if (selfActivated !== null && String(s.selfActivated) !== selfActivated) return false;
    return passesInstant(s.created, after, true) && passesInstant(s.lastStatusChange, changed, false);
  });
  const { page, link } = paginate(matches, {
    routeUrl: `${ctx.baseUrl}/broadworks/subscribers`,
    query: q,
    cursorParam: 'cursor',
    brokenLinks: Boolean(ctx.faults().brokenNextLinks),
  });
  return { status: 200, body: { items: page }, headers: link ? { link } : {} };
}
