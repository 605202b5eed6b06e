import { Option, type Command } from 'commander';
import { WEBEX_SUBSCRIBER_STATUSES } from '../../domain';
import { createSubscriberViews, type SubscriberDetail } from '../../admin/subscriber-views';
import { formatTable, printJson, printRecord, printWarnings } from '../output';
import { assertOneOf } from '../usage';
import { checkTemplateFilter, enc, parsePositiveInt, printList, qs, readOnly, withClient, withJson, type JsonFlag } from './cli-context';

/** Statuses the proxy writes and the ones of the Webex Subscriber schema. */
/** What the console's Revoke confirmation says too: the AS is not told. */
export const REVOKE_WARNING = 'BroadWorks still shows the service assigned until it is unassigned there; reconcile will report the difference';

const KNOWN_STATUSES = ['queued', ...WEBEX_SUBSCRIBER_STATUSES, 'deleting', 'deleted', 'failed'];

function checkStatusFilter(status: string | undefined): void {
  assertOneOf('--status', status, KNOWN_STATUSES, 'subscriber status');
}

interface ListFlags extends JsonFlag {
  status?: string;
  enterprise?: string;
  template?: string;
  q?: string;
  query?: string;
  limit?: number;
}

/** `subscribers list`: from the running bridge, or read-only from the store when it is down. */
function registerListCommand(subscribers: Command): void {
  withJson(
    subscribers
      .command('list')
      .description('list subscribers')
      .option('--status <status>', 'e.g. provisioned, error, pending_email_validation')
      .option('--enterprise <id>', 'enterprise id')
      .option('--template <name>', 'template')
      .option('-q, --query <text>', 'search user id, email and names')
      .addOption(new Option('--q <text>').hideHelp())
      .option('--limit <n>', 'at most this many', parsePositiveInt, 100),
  ).action(async (o: ListFlags) => {
    const q = o.query ?? o.q;
    const filter = { status: o.status, enterprise: o.enterprise, template: o.template, q, limit: o.limit };
    const page = await readOnly(
      async (c) => {
        await checkTemplateFilter(c, o.template);
        checkStatusFilter(o.status);
        const res = await c.call<{ subscribers: Array<Record<string, unknown>>; total?: number }>('GET', `/api/v1/subscribers${qs(filter)}`);
        return { rows: res.subscribers, total: res.total };
      },
      async (store) => {
        await checkTemplateFilter(store, o.template);
        checkStatusFilter(o.status);
        const rows = await createSubscriberViews(store).list({ status: o.status, enterpriseId: o.enterprise, template: o.template, q, limit: o.limit });
        return { rows: rows as unknown as Array<Record<string, unknown>> };
      },
    );
    printList(page, o, ['userId', 'template', 'enterpriseId', 'email', 'status', 'lastErrorCode', 'lastStatusChange']);
  });
}

/** `subscribers show`: the record, its jobs and the timeline. */
function registerShowCommand(subscribers: Command): void {
  withJson(subscribers.command('show').description('one subscriber with its jobs and full timeline').argument('<userId>')).action(
    async (userId: string, o: JsonFlag) => {
      const detail = await readOnly(
        (c) => c.call<SubscriberDetail>('GET', `/api/v1/subscribers/${enc(userId)}`),
        (store) => createSubscriberViews(store).show(userId),
      );
      if (o.json) {
        printJson(detail);
        return;
      }
      const { profile: _p, ...record } = detail.subscriber;
      printRecord(record, o);
      if (detail.waitingFor) process.stdout.write(`\nWaiting for the user: ${detail.waitingFor}\n`);
      process.stdout.write('\nJobs:\n');
      process.stdout.write(
        formatTable(
          detail.jobs.map((j) => ({
            id: j.id,
            kind: j.kind,
            state: j.state,
            attempts: j.attempts,
            error: j.lastError?.code,
            trackingId: j.lastError?.trackingId ?? j.trackingId,
          })),
          ['id', 'kind', 'state', 'attempts', 'error', 'trackingId'],
        ),
      );
      process.stdout.write('\nTimeline:\n');
      process.stdout.write(
        formatTable(detail.timeline as unknown as Array<Record<string, unknown>>, ['at', 'source', 'what', 'httpStatus', 'errorCode', 'trackingId']),
      );
    },
  );
}

export function registerSubscriberCommands(program: Command): void {
  const subscribers = program.command('subscribers').alias('subscriber').description('subscribers: is this user provisioned, and if not, why?');

  registerListCommand(subscribers);
  registerShowCommand(subscribers);

  withJson(subscribers.command('set-package').description('change the subscriber’s package (queues a job)').argument('<userId>').argument('<package>')).action(
    async (userId: string, pkg: string, o: JsonFlag) => {
      const res = await withClient((c) => c.call<{ job: { id: number } }>('POST', `/api/v1/subscribers/${enc(userId)}/package`, { package: pkg }));
      if (o.json) printJson(res);
      else process.stdout.write(`job ${res.job.id} queued: ${userId} → package ${pkg}\n`);
    },
  );

  withJson(subscribers.command('resync').description('push the proxy’s view of the user to Webex again (queues a job)').argument('<userId>')).action(
    async (userId: string, o: JsonFlag) => {
      const res = await withClient((c) => c.call<{ job: { id: number } }>('POST', `/api/v1/subscribers/${enc(userId)}/resync`));
      if (o.json) printJson(res);
      else process.stdout.write(`job ${res.job.id} queued: resync ${userId}\n`);
    },
  );

  withJson(
    subscribers
      .command('revoke')
      .description(
        'queue an unassign: Webex deletes the subscriber and frees its license (BroadWorks still shows the service assigned until it is unassigned there)',
      )
      .argument('<userId>'),
  ).action(async (userId: string, o: JsonFlag) => {
    const res = await withClient((c) => c.call<{ job: { id: number } }>('POST', `/api/v1/subscribers/${enc(userId)}/revoke`));
    if (o.json) return printJson({ ...res, warning: REVOKE_WARNING });
    printWarnings(REVOKE_WARNING);
    process.stdout.write(`job ${res.job.id} queued: unassign ${userId} (Webex deletes the subscriber and frees its license)\n`);
  });
}
