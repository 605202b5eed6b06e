import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import type { BulkRetryProgress, BulkRetryResult } from '../../operations/bulk-retry';
import { JOB_STATES } from '../../domain/job-states';
import { ImpbError } from '../../errors';
import type { Job } from '../../store';
import { printJson, printNote } from '../output';
import { usageError } from '../usage';
import { checkTemplateFilter, choiceOption, parsePositiveInt, printList, qs, readOnly, withClient, withJson, type JsonFlag } from './cli-context';

const STATES: readonly string[] = [...JOB_STATES, 'any'];
const RETRY_STATES = ['failed', 'cancelled', 'retry_wait', 'awaiting_credentials'];

interface RetryFlags extends JsonFlag {
  state?: string;
  template?: string;
  error?: string;
}

export function registerJobCommands(program: Command): void {
  const jobs = program.command('jobs').alias('job').description('the provisioning job queue');

  withJson(
    jobs
      .command('list')
      .description('list jobs (failed ones unless --state says otherwise)')
      .addOption(choiceOption('--state <state>', 'job state, or any', STATES))
      .option('--user <userId>', 'only this user')
      .option('--template <name>', 'only this template')
      .option('--limit <n>', 'at most this many', parsePositiveInt, 100),
  ).action(async (o: JsonFlag & { state?: string; user?: string; template?: string; limit: number }) => {
    if (o.state === undefined) printNote('showing failed jobs; --state <state> (or any) shows the others');
    const picked = o.state ?? 'failed';
    const state = picked === 'any' ? undefined : (picked as Job['state']);
    const page = await readOnly(
      async (c) => {
        await checkTemplateFilter(c, o.template);
        const res = await c.call<{ jobs: Job[]; total?: number }>('GET', `/api/v1/jobs${qs({ state, userId: o.user, template: o.template, limit: o.limit })}`);
        return { rows: res.jobs, total: res.total };
      },
      async (store) => {
        await checkTemplateFilter(store, o.template);
        return { rows: await store.jobs.list({ state, userId: o.user, template: o.template, limit: o.limit }) };
      },
    );
    printList(
      {
        ...page,
        rows: page.rows.map((j) => ({
          ...j,
          error: j.lastError ? `${j.lastError.code}${j.lastError.webexErrorCode ? ` (${j.lastError.webexErrorCode})` : ''}` : undefined,
          errorTrackingId: j.lastError?.trackingId,
        })),
      },
      o,
      ['id', 'kind', 'state', 'userId', 'template', 'attempts', 'error', 'errorTrackingId', 'updatedAt'],
    );
  });

  withJson(
    jobs
      .command('retry')
      .description('run a failed, cancelled or waiting job again now; or, with --state, every job matching the filters')
      .argument('[id]', 'job id', parsePositiveInt)
      .addOption(choiceOption('--state <state>', 'retry every job in this state', RETRY_STATES))
      .option('--template <name>', 'with --state: only jobs of this template')
      .option('--error <code>', 'with --state: only jobs whose last error has this code (IMPB_ERR_… or the Webex errorCode)'),
  ).action(async (id: number | undefined, o: RetryFlags) => {
    if (id !== undefined && (o.state || o.template || o.error)) throw usageError('give a job id or --state [--template] [--error], not both');
    if (id === undefined && !o.state) throw usageError('missing the job id, or --state failed (with --template, --error) to retry many');
    if (id !== undefined) {
      const res = await withClient((c) => c.call<{ job: Job }>('POST', `/api/v1/jobs/${id}/retry`));
      if (o.json) printJson(res);
      else process.stdout.write(`job ${id} is now ${res.job.state}\n`);
      return;
    }
    const result = await withClient(async (c) => {
      await checkTemplateFilter(c, o.template);
      return bulkRetry(c, { state: o.state, template: o.template, error: o.error });
    });
    if (o.json) printJson(result);
    else {
      process.stdout.write(
        `${result.retried} of ${result.matched} job${result.matched === 1 ? '' : 's'} queued again; ${result.skipped.length} skipped, ${result.failed} failed\n`,
      );
      for (const s of result.skipped) process.stdout.write(`  job ${s.jobId}: ${s.reason}\n`);
    }
    if (result.failed) process.exitCode = 1;
  });

  withJson(jobs.command('cancel').description('cancel a queued, waiting or polling job').argument('<id>', 'job id', parsePositiveInt)).action(
    async (id: number, o: JsonFlag) => {
      const res = await withClient((c) => c.call<{ job: Job }>('POST', `/api/v1/jobs/${id}/cancel`));
      if (o.json) printJson(res);
      else process.stdout.write(`job ${id} is now ${res.job.state}\n`);
    },
  );
}

/** The bulk retry, with a bar on a terminal's stderr; pipes and --json output stay clean. */
async function bulkRetry(c: Parameters<Parameters<typeof withClient>[0]>[0], body: Record<string, unknown>): Promise<BulkRetryResult> {
  const bar = process.stderr.isTTY
    ? new SingleBar({ stream: process.stderr, format: 'retry [{bar}] {value}/{total} jobs', hideCursor: true }, Presets.shades_classic)
    : undefined;
  let started = false;
  let result: BulkRetryResult | undefined;
  try {
    await c.stream('/api/v1/jobs/retry', body, (line) => {
      if (line.type === 'progress') {
        const p = line as unknown as BulkRetryProgress;
        if (bar && !started) bar.start(p.total, 0);
        started = true;
        bar?.update(p.done);
      } else if (line.type === 'result') {
        result = line.result as BulkRetryResult;
      } else if (line.type === 'error') {
        const e = line.error as { code?: string; message?: string };
        throw new ImpbError((e.code ?? 'IMPB_ERR_INTERNAL') as ConstructorParameters<typeof ImpbError>[0], { message: e.message });
      }
    });
  } finally {
    if (started) bar?.stop();
  }
  if (!result) throw new ImpbError('IMPB_ERR_INTERNAL', { message: 'the proxy ended the retry answer without a result' });
  return result;
}
