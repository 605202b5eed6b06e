import type { SimContext, SimRequest } from './sim-context';
import { nowIso, SimHttpError, webexId, type SimResponse } from './sim-support';
import type { Json } from './simulator-types';

/** The partner org of the simulator unless `partnerOrgUuid` says otherwise: fixed, so tests and demos can name it. */
export const SIMULATOR_PARTNER_ORG_UUID = '5a1f0c3e-7b2d-4e69-8c40-2f9d6b1a7e53';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The partner admin every token of the simulator belongs to, as GET /people/me answers it. */
export function simulatedPartnerAdmin(partnerOrgUuid = SIMULATOR_PARTNER_ORG_UUID): Json {
  if (!UUID.test(partnerOrgUuid)) throw new Error(`startWebexSimulator: partnerOrgUuid must be a UUID (8-4-4-4-12 hex digits), got "${partnerOrgUuid}"`);
  return {
    id: webexId('PEOPLE'),
    emails: ['partner-admin@simulator.invalid'],
    displayName: 'Simulated partner admin',
    firstName: 'Partner',
    lastName: 'Admin',
    orgId: Buffer.from(`ciscospark://us/ORGANIZATION/${partnerOrgUuid.toLowerCase()}`).toString('base64').replace(/=+$/, ''),
    type: 'person',
    created: nowIso(),
    loginEnabled: true,
  };
}

/** GET /people/me and GET /people/{personId} (the People API, beyond the provisioning specs). */
export function handlePeople(ctx: SimContext, req: SimRequest): SimResponse | undefined {
  const [, id, extra] = req.segments;
  if (id === undefined || extra !== undefined) return undefined;
  if (req.method !== 'GET') throw new SimHttpError(405, 'Method not allowed');
  if (id === 'me' || id === ctx.state.me.id) return { status: 200, body: { ...ctx.state.me } };
  const person = personOf(ctx, id);
  if (!person) throw new SimHttpError(404, 'The requested resource could not be found.', undefined, `No person with id ${id}`);
  return { status: 200, body: person };
}

/** A provisioned subscriber as the People API shows it: in the customer org, not the partner org. */
function personOf(ctx: SimContext, personId: string): Json | undefined {
  const { state } = ctx;
  const bw = [...state.broadworksSubscribers.values()].find((s) => s.personId === personId);
  if (bw) {
    const orgId = state.broadworksCustomerOrgs.get(String(bw.spEnterpriseId));
    if (!orgId) return undefined;
    const person: Json = {
      id: personId,
      emails: bw.email ? [bw.email] : [],
      displayName: `${String(bw.firstName)} ${String(bw.lastName)}`,
      firstName: bw.firstName,
      lastName: bw.lastName,
      orgId,
      type: 'person',
      created: bw.created,
    };
    if (bw.extension) person.extension = bw.extension;
    if (bw.primaryPhoneNumber) person.phoneNumbers = [{ type: 'work', value: bw.primaryPhoneNumber, primary: true }];
    return person;
  }
  const ws = [...state.wholesaleSubscribers.values()].find((s) => s.personId === personId);
  const orgId = ws && state.customers.get(String(ws.customerId))?.orgId;
  if (!ws || typeof orgId !== 'string') return undefined;
  const calling = state.wholesaleCalling.get(String(ws.id)) ?? {};
  const person: Json = { id: personId, emails: [ws.email], orgId, type: 'person', created: ws.created };
  if (calling.extension) person.extension = calling.extension;
  if (calling.locationId) person.locationId = calling.locationId;
  if (calling.primaryPhoneNumber) person.phoneNumbers = [{ type: 'work', value: calling.primaryPhoneNumber, primary: true }];
  return person;
}
