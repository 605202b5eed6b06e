import { JOB_STATES } from '../../domain/job-states';
import { Option, type Command } from 'commander';
import type { Job } from '../../store';
import { printJson, printRows } from '../output';
import { parsePositiveInt, qs, readOnly, withClient, withJson, type JsonFlag } from './cli-context';

const STATES: readonly string[] = [...JOB_STATES, 'any'];

export function registerJobCommands(program: Command): void {
  const jobs = program.command('jobs').description('the provisioning job queue');

  withJson(
    jobs
      .command('list')
      .description('list jobs (failed ones unless --state says otherwise)')
      .addOption(new Option('--state <state>', 'job state, or any').choices(STATES).default('failed'))
      .option('--user <userId>', 'only this user')
      .option('--template <name>', 'only this template')
      .option('--limit <n>', 'at most this many', parsePositiveInt, 100),
  ).action(async (o: JsonFlag & { state: string; user?: string; template?: string; limit: number }) => {
    const state = o.state === 'any' ? undefined : (o.state as Job['state']);
    const rows = await readOnly(
      async (c) => (await c.call<{ jobs: Job[] }>('GET', `/api/v1/jobs${qs({ state, userId: o.user, template: o.template, limit: o.limit })}`)).jobs,
      (store) => store.jobs.list({ state, userId: o.user, template: o.template, limit: o.limit }),
    );
    printRows(
      rows.map((j) => ({ ...j, error: j.lastError ? `${j.lastError.code}${j.lastError.webexErrorCode ? ` (${j.lastError.webexErrorCode})` : ''}` : undefined, errorTrackingId: j.lastError?.trackingId })),
      o,
      ['id', 'kind', 'state', 'userId', 'template', 'attempts', 'error', 'errorTrackingId', 'updatedAt'],
    );
  });

  for (const [name, description] of [
    ['retry', 'run a failed, cancelled or waiting job again now'],
    ['cancel', 'cancel a queued, waiting or polling job'],
  ] as const) {
    withJson(jobs.command(name).description(description).argument('<id>', 'job id', parsePositiveInt)).action(async (id: number, o: JsonFlag) => {
      const res = await withClient((c) => c.call<{ job: Job }>('POST', `/api/v1/jobs/${id}/${name}`));
      if (o.json) printJson(res);
      else process.stdout.write(`job ${id} is now ${res.job.state}\n`);
    });
  }
}
