import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import type { ReconcileProgress, ReconcileReport } from '../../operations/reconcile';
import { ImpbError } from '../../errors';
import { EXIT } from '../exit-codes';
import { formatTable, printJson } from '../output';
import { usageError } from '../usage';
import { withClient, withJson, type JsonFlag } from './cli-context';

interface ReconcileFlags extends JsonFlag {
  enterprise?: string;
  template?: string;
  repair?: boolean;
  unassignUnknown?: boolean;
}

export function registerReconcileCommand(program: Command): void {
  withJson(
    program
      .command('reconcile')
      .description('compare assigned users with Webex: missing in Webex, unknown in Webex, status error (exit 4 when drift is found)')
      .option('--enterprise <id>', 'only this enterprise')
      .option('--template <name>', 'only this template')
      .option('--repair', 'queue the fixing jobs: resync for missing and error subscribers')
      .option('--unassign-unknown', 'with --repair: also queue unassign jobs for subscribers Webex has and the proxy believes unassigned')
      .addHelpText(
        'after',
        '\nUnknown-in-Webex subscribers are only reported unless --unassign-unknown is given: removing a Webex licence\nis never done by surprise. Subscribers with unfinished jobs are skipped (listed as in flight).',
      ),
  ).action(async (o: ReconcileFlags) => {
    if (o.unassignUnknown && !o.repair)
      throw usageError('--unassign-unknown only goes with --repair: add --repair to queue the unassign jobs, or drop it to only report');
    // The bar goes to stderr, and only to a terminal: pipes and --json output stay clean.
    const bar = process.stderr.isTTY
      ? new SingleBar({ stream: process.stderr, format: 'reconcile [{bar}] {value}/{total} {unit}', hideCursor: true }, Presets.shades_classic)
      : undefined;
    let started = false;
    let report: ReconcileReport | undefined;
    try {
      await withClient((c) =>
        c.stream(
          '/api/v1/reconcile',
          { enterprise: o.enterprise, template: o.template, repair: Boolean(o.repair), unassignUnknown: Boolean(o.unassignUnknown) },
          (line) => {
            if (line.type === 'progress') {
              const p = line as unknown as ReconcileProgress;
              if (bar && p.total > 1) {
                if (!started) bar.start(p.total, 0, { unit: '' });
                started = true;
                bar.update(p.done, { unit: p.unit });
              }
            } else if (line.type === 'report') {
              report = line.report as ReconcileReport;
            } else if (line.type === 'error') {
              const e = line.error as { code?: string; message?: string };
              throw new ImpbError((e.code ?? 'IMPB_ERR_INTERNAL') as ConstructorParameters<typeof ImpbError>[0], { message: e.message });
            }
          },
        ),
      );
    } finally {
      if (started) bar?.stop();
    }
    if (!report) throw new ImpbError('IMPB_ERR_INTERNAL', { message: 'the proxy ended the reconcile answer without a report' });
    if (o.json) printJson(report);
    else printReport(report);
    if (report.drift.length || report.errors.length) process.exitCode = EXIT.FINDINGS;
  });
}

function printReport(r: ReconcileReport): void {
  const out = process.stdout;
  out.write(
    `checked ${r.checked.storeSubscribers} subscribers in the store against ${r.checked.webexSubscribers} in Webex (${r.checked.units} unit${r.checked.units === 1 ? '' : 's'})\n`,
  );
  out.write(`missing in Webex: ${r.counts.missing_in_webex}   unknown in Webex: ${r.counts.unknown_in_webex}   status error: ${r.counts.status_error}\n`);
  if (r.drift.length) {
    out.write('\n');
    out.write(
      formatTable(
        r.drift.map((d) => ({ ...d, webexErrors: d.webexErrors?.map((e) => `${e.errorCode ?? '?'}: ${e.description ?? ''}`).join('; ') })),
        ['kind', 'userId', 'email', 'enterpriseId', 'template', 'storeStatus', 'webexStatus', 'webexErrors', 'action', 'jobId'],
      ),
    );
  }
  if (r.inFlight.length) out.write(`\nskipped (jobs in flight): ${r.inFlight.join(', ')}\n`);
  if (r.errors.length) {
    out.write('\ncould not compare:\n');
    out.write(formatTable(r.errors, ['unit', 'code', 'message', 'trackingId']));
  }
  if (r.repair) out.write(`\n${r.jobsQueued} job${r.jobsQueued === 1 ? '' : 's'} queued\n`);
  else if (r.drift.length) out.write('\nrun with --repair to queue the fixing jobs\n');
}
