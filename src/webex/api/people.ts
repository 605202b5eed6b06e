import type { WebexCallContext, WebexProvisioningApi, WebexResult } from '../../pipeline/webex-port';
import { readPerson, type WebexPerson } from '../parse-responses';
import { RequestContractError } from '../request-bodies';
import { idPath, type WebexCalls } from './webex-calls';

/** The port's People look-up plus the identity behind the access token. */
export type WebexPeopleApi = WebexProvisioningApi['people'] & {
  /** GET /people/me (outside the provisioning OpenAPI files: the Webex People API). `serverDate`: Webex's Date header (clock-skew check). */
  me(ctx?: WebexCallContext): Promise<WebexResult<WebexPerson> & { serverDate?: string }>;
};

/** GET /people/me and GET /people/{id} (the Webex People API). */
export function people(calls: WebexCalls): WebexPeopleApi {
  const { build, call, url } = calls;
  return {
    async me(ctx) {
      let serverDate: string | undefined;
      const result = await call('people.me', 'GET', url('/people/me'), undefined, ctx, (res) => {
        serverDate = [res.headers.date].flat()[0];
        return readPerson(res.json);
      });
      return { ...result, serverDate };
    },
    async getPerson(personId, ctx) {
      // An empty id would make this GET /people, the People list.
      build('people.getPerson', 'GET', '/people', () => {
        if (!personId) throw new RequestContractError('personId', 'personId is required');
      });
      return call('people.getPerson', 'GET', url(idPath('/people', personId)), undefined, ctx, (res) => readPerson(res.json));
    },
  };
}
