import type { PlannedCall } from '../domain';
import type { WebexProvisioningApi, WebexResult, WholesaleCustomer, WholesaleSubscriber } from './webex-port';

const WS = '/wholesale/subscribers';
const WC = '/wholesale/customers';

/** What the dry run believes Webex Wholesale holds: only what earlier dry runs of the template created. */
export interface DryWholesaleWorld {
  customers: Map<string, WholesaleCustomer>;
  subscribers: Map<string, WholesaleSubscriber>;
}

export const newWholesaleWorld = (): DryWholesaleWorld => ({ customers: new Map(), subscribers: new Map() });

const ok = <T>(data: T, httpStatus = 200): WebexResult<T> => ({ data, httpStatus, trackingId: 'dry-run' });

/**
 * The Wholesale half of the recording Webex port: answers from the dry world (a customer or
 * subscriber it creates is provisioned at once) and writes every call down instead of sending it.
 */
export function recordingWholesaleApi(world: DryWholesaleWorld, calls: () => PlannedCall[]): WebexProvisioningApi['wholesale'] {
  const note = (call: PlannedCall) => calls().push(call);
  const customerById = (idOrUrl: string) => [...world.customers.values()].find((c) => c.id === idOrUrl || `${WC}/${c.id}` === idOrUrl);
  const subscriberById = (id: string) => [...world.subscribers.values()].find((s) => s.id === id);
  return {
    listCustomers(filter) {
      note({ operation: 'wholesale.listCustomers', method: 'GET', path: WC, body: { ...filter } });
      return Promise.resolve(ok([...world.customers.values()].filter((c) => !filter.externalId || c.externalId === filter.externalId)));
    },
    createCustomer(body) {
      note({ operation: 'wholesale.createCustomer', method: 'POST', path: WC, body });
      const id = `dry-run-customer-${body.externalId ?? world.customers.size}`;
      world.customers.set(id, { id, orgId: `dry-run-org-${id}`, externalId: body.externalId, packages: body.packages, status: 'provisioned' });
      return Promise.resolve(ok({ url: `${WC}/${id}` }, 202));
    },
    getCustomer(idOrUrl) {
      note({ operation: 'wholesale.getCustomer', method: 'GET', path: idOrUrl.startsWith(WC) ? idOrUrl : `${WC}/${idOrUrl}` });
      return Promise.resolve(ok(customerById(idOrUrl) ?? { id: idOrUrl, status: 'provisioned' }));
    },
    updateCustomer(id, body) {
      note({ operation: 'wholesale.updateCustomer', method: 'PUT', path: `${WC}/${id}`, body });
      return Promise.resolve(ok({}));
    },
    deleteCustomer(id) {
      note({ operation: 'wholesale.deleteCustomer', method: 'DELETE', path: `${WC}/${id}` });
      world.customers.delete(id);
      return Promise.resolve(ok(undefined, 204));
    },
    listSubscribers(filter) {
      note({ operation: 'wholesale.listSubscribers', method: 'GET', path: WS, body: { ...filter } });
      const email = filter.email?.toLowerCase();
      const found = [...world.subscribers.values()].filter(
        (s) => (!filter.customerId || s.customerId === filter.customerId) && (!email || s.email?.toLowerCase() === email),
      );
      return Promise.resolve(ok(found));
    },
    createSubscriber(body) {
      note({ operation: 'wholesale.createSubscriber', method: 'POST', path: WS, body });
      const id = `dry-run-${body.email}`;
      const created: WholesaleSubscriber = {
        id,
        personId: `dry-run-person-${body.email}`,
        email: body.email,
        customerId: body.customerId,
        package: body.package,
        status: 'provisioned',
      };
      world.subscribers.set(id, created);
      return Promise.resolve(ok(created));
    },
    getSubscriber(id) {
      note({ operation: 'wholesale.getSubscriber', method: 'GET', path: `${WS}/${id}` });
      return Promise.resolve(ok(subscriberById(id) ?? { id, status: 'provisioned' }));
    },
    updateSubscriber(id, body) {
      note({ operation: 'wholesale.updateSubscriber', method: 'PUT', path: `${WS}/${id}`, body });
      const found = subscriberById(id);
      const updated: WholesaleSubscriber = { ...(found ?? { id }), ...(body.package ? { package: body.package } : {}), status: 'provisioned' };
      world.subscribers.set(id, updated);
      return Promise.resolve(ok(updated));
    },
    deleteSubscriber(id) {
      note({ operation: 'wholesale.deleteSubscriber', method: 'DELETE', path: `${WS}/${id}` });
      world.subscribers.delete(id);
      return Promise.resolve(ok(undefined, 204));
    },
    precheck: () => Promise.reject(new Error('wholesale.precheck: not planned in a dry run')),
  };
}
