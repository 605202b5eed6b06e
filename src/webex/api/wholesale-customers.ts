import type { WebexProvisioningApi, WholesaleCustomer } from '../../pipeline/webex-port';
import { readWholesaleCustomer, ResponseShapeError } from '../parse-responses';
import { wholesaleCustomerCreateBody, wholesaleCustomerUpdateBody } from '../request-bodies';
import { idPath, type WebexCalls } from './webex-calls';

const WC = '/wholesale/customers';

type WholesaleApi = WebexProvisioningApi['wholesale'];
export type WholesaleCustomersApi = Pick<WholesaleApi, 'listCustomers' | 'createCustomer' | 'getCustomer' | 'updateCustomer' | 'deleteCustomer'>;

/** A customer Location is an absolute URL; only its id is used, against our own base URL. */
const customerIdOf = (idOrUrl: string) =>
  /^https?:\/\//i.test(idOrUrl) ? decodeURIComponent(new URL(idOrUrl).pathname.split('/').filter(Boolean).pop() ?? '') : idOrUrl;

/** The Wholesale Customers API: /wholesale/customers. */
export function wholesaleCustomers(calls: WebexCalls): WholesaleCustomersApi {
  const { build, call, listAll, url, locationOf } = calls;
  return {
    async listCustomers(filter, ctx) {
      return listAll<WholesaleCustomer>(
        'wholesale.listCustomers',
        url(WC, { externalId: filter.externalId, orgId: filter.orgId, status: filter.status }),
        ctx,
        readWholesaleCustomer,
      );
    },
    async createCustomer(input, ctx) {
      const body = build('wholesale.createCustomer', 'POST', WC, () => wholesaleCustomerCreateBody(input));
      return call('wholesale.createCustomer', 'POST', url(WC), body, ctx, (res) => {
        const location = locationOf(res);
        if (!location) throw new ResponseShapeError('202 without a Location or url');
        return { url: location };
      });
    },
    async getCustomer(idOrUrl, ctx) {
      return call('wholesale.getCustomer', 'GET', url(idPath(WC, customerIdOf(idOrUrl))), undefined, ctx, (res) => readWholesaleCustomer(res.json));
    },
    async updateCustomer(id, input, ctx) {
      const path = idPath(WC, customerIdOf(id));
      const body = build('wholesale.updateCustomer', 'PUT', path, () => wholesaleCustomerUpdateBody(input));
      return call('wholesale.updateCustomer', 'PUT', url(path), body, ctx, (res) => ({ url: locationOf(res) }));
    },
    async deleteCustomer(id, ctx) {
      return call('wholesale.deleteCustomer', 'DELETE', url(idPath(WC, customerIdOf(id))), undefined, ctx, () => undefined);
    },
  };
}
