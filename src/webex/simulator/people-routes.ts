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

/** GET /people/me: the identity behind the bearer token (the People API, beyond the provisioning specs). */
export function handlePeople(ctx: SimContext, req: SimRequest): SimResponse | undefined {
  const [, id, extra] = req.segments;
  if (id !== 'me' || extra !== undefined) return undefined;
  if (req.method !== 'GET') throw new SimHttpError(405, 'Method not allowed');
  return { status: 200, body: { ...ctx.state.me } };
}

