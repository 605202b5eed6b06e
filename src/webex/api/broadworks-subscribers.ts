import type { WebexProvisioningApi } from '../../pipeline/webex-port';
import { readBroadworksSubscriber, readPrecheck } from '../parse-responses';
import { broadworksCreateBody, broadworksPrecheckBody, broadworksUpdateBody } from '../request-bodies';
import { idPath, type WebexCalls } from './webex-calls';

const BW = '/broadworks/subscribers';

/** The BroadWorks Subscribers API: /broadworks/subscribers. */
export function broadworksSubscribers(calls: WebexCalls): WebexProvisioningApi['broadworks'] {
  const { build, call, listAll, url } = calls;
  return {
    async listSubscribers(filter, ctx) {
      return listAll('broadworks.listSubscribers', url(BW, { ...filter }), ctx, readBroadworksSubscriber);
    },
    async createSubscriber(input, ctx) {
      const body = build('broadworks.createSubscriber', 'POST', BW, () => broadworksCreateBody(input));
      return call('broadworks.createSubscriber', 'POST', url(BW), body, ctx, (res) => readBroadworksSubscriber(res.json));
    },
    async getSubscriber(id, ctx) {
      return call('broadworks.getSubscriber', 'GET', url(idPath(BW, id)), undefined, ctx, (res) => readBroadworksSubscriber(res.json));
    },
    async updateSubscriber(id, input, ctx) {
      const body = build('broadworks.updateSubscriber', 'PUT', idPath(BW, id), () => broadworksUpdateBody(input));
      return call('broadworks.updateSubscriber', 'PUT', url(idPath(BW, id)), body, ctx, (res) => readBroadworksSubscriber(res.json));
    },
    async deleteSubscriber(id, ctx) {
      return call('broadworks.deleteSubscriber', 'DELETE', url(idPath(BW, id)), undefined, ctx, () => undefined);
    },
    async precheck(input, ctx) {
      const body = build('broadworks.precheck', 'POST', `${BW}/validate`, () => broadworksPrecheckBody(input));
      return call('broadworks.precheck', 'POST', url(`${BW}/validate`), body, ctx, (res) => readPrecheck(res.json));
    },
  };
}
