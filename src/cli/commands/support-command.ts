import type { Command } from 'commander';
import { buildSupportReport, findPartnerOrgId, type SupportReport } from '../../operations/support-report';
import { VERSION } from '../../version';
import { formatTable, printJson } from '../output';
import { enc, parsePositiveInt, qs, readOnly, withJson, type JsonFlag } from './cli-context';

export function registerSupportCommand(program: Command): void {
  withJson(
    program
      .command('support')
      .description('facts for a Cisco service request about a user or an enterprise (org IDs, email, TrackingIDs, error codes, version; secrets redacted)')
      .argument('<userIdOrEnterprise>')
      .option('--limit <n>', 'how many Webex calls to list', parsePositiveInt, 20),
  ).action(async (key: string, o: JsonFlag & { limit: number }) => {
    const report = await readOnly(
      (c) => c.call<SupportReport>('GET', `/api/v1/support/${enc(key)}${qs({ limit: o.limit })}`),
      (store, config) =>
        buildSupportReport({ store, version: VERSION, partnerOrgId: () => findPartnerOrgId({ store, webexToken: config.webex.token }) }, key, {
          limit: o.limit,
        }),
    );
    if (o.json) printJson(report);
    else process.stdout.write(formatSupport(report));
  });
}

export function formatSupport(r: SupportReport): string {
  const lines: string[] = [];
  // Support values are scalars read from the report; typing them so keeps objects out of the text.
  const row = (label: string, value: string | number | boolean | null | undefined) =>
    lines.push(`${label.padEnd(22)} ${value === undefined || value === null || value === '' ? '(unknown)' : String(value)}`);
  lines.push(`imp-bridge support data for ${r.subject.kind} ${r.subject.id}`, '');
  row('Proxy version', r.proxyVersion);
  row('Generated', r.generatedAt);
  row('Partner org ID', r.partnerOrgId ?? `(unknown: ${r.partnerOrgIdSource})`);
  row('Customer org ID', r.customerOrgId ?? r.customerOrgIdSource);
  if (r.subscriber) {
    row('User ID', r.subscriber.userId);
    row('Email', r.subscriber.email);
    row('Enterprise', r.subscriber.enterpriseId);
    row('Template', r.subscriber.template);
    row('Status', r.subscriber.status);
    row('Webex subscriber ID', r.subscriber.webexSubscriberId);
    row('Person ID', r.subscriber.personId);
    if (r.subscriber.lastErrorCode) row('Last error', `${r.subscriber.lastErrorCode} ${r.subscriber.lastErrorDescription ?? ''}`.trim());
    row('Last TrackingID', r.subscriber.lastTrackingId);
  }
  if (r.customer) {
    row('Customer status', r.customer.status);
    row('Webex customer ID', r.customer.webexCustomerId);
    if (r.customer.lastError) row('Customer last error', r.customer.lastError);
  }
  if (r.subscriberCounts)
    row(
      'Subscribers',
      Object.entries(r.subscriberCounts)
        .map(([s, n]) => `${s}=${n}`)
        .join(' '),
    );
  lines.push('', 'Failed Webex calls (newest first):');
  lines.push(formatTable(r.failedCalls, ['at', 'operation', 'httpStatus', 'errorCode', 'trackingId', 'description']).trimEnd());
  if (r.failedJobs.length) {
    lines.push('', 'Failed jobs:');
    lines.push(
      formatTable(
        r.failedJobs.map((j) => ({
          id: j.id,
          kind: j.kind,
          attempts: j.attempts,
          error: j.error?.code,
          webexErrorCode: j.error?.webexErrorCode,
          trackingId: j.error?.trackingId,
        })),
        ['id', 'kind', 'attempts', 'error', 'webexErrorCode', 'trackingId'],
      ).trimEnd(),
    );
  }
  lines.push('', 'Recent Webex calls (newest first):');
  lines.push(formatTable(r.recentCalls, ['at', 'operation', 'httpStatus', 'trackingId']).trimEnd());
  return `${lines.join('\n')}\n`;
}
