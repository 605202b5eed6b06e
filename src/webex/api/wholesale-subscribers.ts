import type { WebexProvisioningApi, WholesaleSubscriber } from '../../pipeline/webex-port';
import { readPrecheck, readWholesaleSubscriber } from '../parse-responses';
import { wholesalePrecheckBody, wholesaleSubscriberCreateBody, wholesaleSubscriberUpdateBody } from '../request-bodies';
import type { WholesaleCustomersApi } from './wholesale-customers';
import { idPath, type WebexCalls } from './webex-calls';

const WS = '/wholesale/subscribers';

export type WholesaleSubscribersApi = Omit<WebexProvisioningApi['wholesale'], keyof WholesaleCustomersApi>;

/** The Wholesale Subscribers API: /wholesale/subscribers. */
export function wholesaleSubscribers(calls: WebexCalls): WholesaleSubscribersApi {
  const { build, call, listAll, url } = calls;
  return {
    async listSubscribers(filter, ctx) {
      return listAll<WholesaleSubscriber>('wholesale.listSubscribers', url(WS, { ...filter }), ctx, readWholesaleSubscriber);
    },
    async createSubscriber(input, ctx) {
      const body = build('wholesale.createSubscriber', 'POST', WS, () => wholesaleSubscriberCreateBody(input));
      return call('wholesale.createSubscriber', 'POST', url(WS), body, ctx, (res) => readWholesaleSubscriber(res.json));
    },
    async getSubscriber(id, ctx) {
      return call('wholesale.getSubscriber', 'GET', url(idPath(WS, id)), undefined, ctx, (res) => readWholesaleSubscriber(res.json));
    },
    async updateSubscriber(id, input, ctx) {
      const body = build('wholesale.updateSubscriber', 'PUT', idPath(WS, id), () => wholesaleSubscriberUpdateBody(input));
      return call('wholesale.updateSubscriber', 'PUT', url(idPath(WS, id)), body, ctx, (res) => readWholesaleSubscriber(res.json));
    },
    async deleteSubscriber(id, ctx) {
      return call('wholesale.deleteSubscriber', 'DELETE', url(idPath(WS, id)), undefined, ctx, () => undefined);
    },
    async precheck(input, ctx) {
      const body = build('wholesale.precheck', 'POST', `${WS}/validate`, () => wholesalePrecheckBody(input));
      return call('wholesale.precheck', 'POST', url(`${WS}/validate`), body, ctx, (res) => readPrecheck(res.json));
    },
  };
}
