import type { Command } from 'commander';
import { createSubscriberViews, type SubscriberDetail } from '../../admin/subscriber-views';
import { formatTable, printJson, printRecord, printRows } from '../output';
import { enc, parsePositiveInt, qs, readOnly, withClient, withJson, type JsonFlag } from './cli-context';

interface ListFlags extends JsonFlag {
  status?: string;
  enterprise?: string;
  template?: string;
  q?: string;
  limit?: number;
}

export function registerSubscriberCommands(program: Command): void {
  const subscribers = program.command('subscribers').description('subscribers: is this user provisioned, and if not, why?');

  withJson(
    subscribers
      .command('list')
      .description('list subscribers')
      .option('--status <status>', 'e.g. provisioned, error, pending_email_validation')
      .option('--enterprise <id>', 'enterprise id')
      .option('--template <name>', 'template')
      .option('-q, --q <text>', 'search user id, email and names')
      .option('--limit <n>', 'at most this many', parsePositiveInt, 100),
  ).action(async (o: ListFlags) => {
    const rows = await readOnly(
      async (c) =>
        (
          await c.call<{ subscribers: Array<Record<string, unknown>> }>(
            'GET',
            `/api/v1/subscribers${qs({ status: o.status, enterprise: o.enterprise, template: o.template, q: o.q, limit: o.limit })}`,
          )
        ).subscribers,
      async (store) =>
        (await createSubscriberViews(store).list({ status: o.status, enterpriseId: o.enterprise, template: o.template, q: o.q, limit: o.limit })) as unknown as Array<
          Record<string, unknown>
        >,
    );
    printRows(rows, o, ['userId', 'template', 'enterpriseId', 'email', 'status', 'lastErrorCode', 'lastStatusChange']);
  });

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
      printRecord(record as unknown as Record<string, unknown>, o);
      if (detail.waitingFor) process.stdout.write(`\nWaiting for the user: ${detail.waitingFor}\n`);
      process.stdout.write('\nJobs:\n');
      process.stdout.write(
        formatTable(
          detail.jobs.map((j) => ({ id: j.id, kind: j.kind, state: j.state, attempts: j.attempts, error: j.lastError?.code, trackingId: j.lastError?.trackingId ?? j.trackingId })),
          ['id', 'kind', 'state', 'attempts', 'error', 'trackingId'],
        ),
      );
      process.stdout.write('\nTimeline:\n');
      process.stdout.write(formatTable(detail.timeline as unknown as Array<Record<string, unknown>>, ['at', 'source', 'what', 'httpStatus', 'errorCode', 'trackingId']));
    },
  );

  withJson(
    subscribers
      .command('set-package')
      .description('change the subscriber’s package (queues a job)')
      .argument('<userId>')
      .argument('<package>'),
  ).action(async (userId: string, pkg: string, o: JsonFlag) => {
    const res = await withClient((c) => c.call<{ job: { id: number } }>('POST', `/api/v1/subscribers/${enc(userId)}/package`, { package: pkg }));
    if (o.json) printJson(res);
    else process.stdout.write(`job ${res.job.id} queued: ${userId} → package ${pkg}\n`);
  });

  withJson(subscribers.command('resync').description('push the proxy’s view of the user to Webex again (queues a job)').argument('<userId>')).action(
    async (userId: string, o: JsonFlag) => {
      const res = await withClient((c) => c.call<{ job: { id: number } }>('POST', `/api/v1/subscribers/${enc(userId)}/resync`));
      if (o.json) printJson(res);
      else process.stdout.write(`job ${res.job.id} queued: resync ${userId}\n`);
    },
  );
}
