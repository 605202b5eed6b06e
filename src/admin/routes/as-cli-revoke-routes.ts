import { route, type ApiRoute } from '../api-route';
import type { AdminApiDeps } from './admin-api-deps';
import { nameParams, userParams } from './query-schemas';

/** The AS_CLI lines of Cisco's deployment guide, with the template's values filled in (the password is never known: a placeholder). */
export function asCliLines(url: string, username: string): string[] {
  return [
    'AS_CLI/Maintenance/ContainerOptions> add provisioning bw.imp.useProvisioningUrl true',
    `AS_CLI/Interface/Messaging> set provisioningUrl ${url}`,
    `AS_CLI/Interface/Messaging> set provisioningUserId ${username}`,
    'AS_CLI/Interface/Messaging> set provisioningPassword <the template password, at most 20 characters>',
    'AS_CLI/Interface/Messaging> set enableSynchronization true',
    'AS_CLI/Service/IntegratedIMP> set serviceDomain <any domain>',
    'AS_CLI/Service/IntegratedIMP/DefaultAttribute> set userAttrIsActive true',
  ];
}

/** What the console needs beyond the CLI's operations: the AS_CLI lines of a template, and revoke. */
export function asCliAndRevokeRoutes(deps: AdminApiDeps): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/templates/:name/as-cli',
      tag: 'templates',
      summary: 'the provisioning URL, user name and the AS_CLI lines to paste on the Application Server',
      params: nameParams,
      errors: [404],
      handler: async ({ params }) => {
        const t = await deps.templates.getTemplate(params.name);
        return {
          provisioningUrl: t.provisioningUrl,
          username: t.account.username,
          lines: asCliLines(t.provisioningUrl, t.account.username),
          warnings: t.warnings ?? [],
        };
      },
    }),
    route({
      method: 'post',
      path: '/subscribers/:userId/revoke',
      tag: 'subscribers',
      summary:
        'queue an unassign (frees the Webex license); BroadWorks still shows the service assigned until it is unassigned there, and reconcile reports it',
      params: userParams,
      status: 202,
      errors: [404],
      handler: async ({ params }) => ({ job: await deps.jobs.enqueueForUser(params.userId, 'unassign', {}, 'operator revoke') }),
    }),
  ];
}
