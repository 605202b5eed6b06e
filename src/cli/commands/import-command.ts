import fs from 'node:fs';
import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { IMPORT_BATCH_LIMIT, type ImportBatchResult, type ImportOutcome, type ImportRow, type ImportRowResult } from '../../operations/import-users';
import { ImpbError } from '../../errors';
import { EXIT } from '../exit-codes';
import { printJson } from '../output';
import { parsePositiveInt, withClient, withJson, type JsonFlag } from './cli-context';
import { parseImportCsv } from './import-csv';

export interface ImportFlags extends JsonFlag {
  template: string;
  dryRun?: boolean;
  batchSize: number;
}

export interface ImportSummary {
  file: string;
  template: string;
  dryRun: boolean;
  totalRows: number;
  /** False when stopped early (Ctrl-C, or the proxy became unreachable): run again to resume. */
  complete: boolean;
  counts: Record<ImportOutcome, number>;
  rows: ImportRowResult[];
}

export type SendBatch = (body: { template: string; dryRun: boolean; source: string; rows: ImportRow[] }) => Promise<ImportBatchResult>;

const emptyCounts = (): Record<ImportOutcome, number> => ({
  imported: 0,
  would_import: 0,
  already_imported: 0,
  already_tracked: 0,
  invalid: 0,
  other_template: 0,
});

/**
 * Sends the file in batches, each committed by the proxy before the next is sent, so an
 * interrupted import has lost nothing and a re-run skips what was imported.
 */
export async function runImport(
  file: string,
  o: ImportFlags,
  send: SendBatch,
  hooks: { stopRequested?: () => boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<ImportSummary> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ImpbError('IMPB_ERR_VALIDATION', { message: `cannot read ${file}: ${(err as Error).message}` });
  }
  const parsed = parseImportCsv(text, file);
  const total = parsed.rows.length + parsed.refused.length;
  const summary: ImportSummary = {
    file,
    template: o.template,
    dryRun: Boolean(o.dryRun),
    totalRows: total,
    complete: false,
    counts: emptyCounts(),
    rows: [...parsed.refused],
  };
  for (const r of parsed.refused) summary.counts[r.outcome] += 1;
  let done = parsed.refused.length;
  hooks.onProgress?.(done, total);
  for (let i = 0; i < parsed.rows.length; i += o.batchSize) {
    if (hooks.stopRequested?.()) break;
    const batch = parsed.rows.slice(i, i + o.batchSize);
    let result: ImportBatchResult;
    try {
      result = await send({ template: o.template, dryRun: Boolean(o.dryRun), source: path.basename(file), rows: batch });
    } catch (err) {
      if (!(err instanceof ImpbError) || done === parsed.refused.length) throw err;
      // Earlier batches are committed: say so, so the operator knows a re-run resumes.
      throw new ImpbError(err.code, {
        message: `${err.message} — stopped at line ${batch[0].line}; the rows before it are imported: run the same command again to resume`,
        status: err.status,
        details: err.details,
        cause: err,
      });
    }
    for (const r of result.rows) {
      summary.rows.push(r);
      summary.counts[r.outcome] += 1;
    }
    done += batch.length;
    hooks.onProgress?.(done, total);
  }
  summary.complete = done === total;
  summary.rows.sort((a, b) => a.line - b.line);
  return summary;
}

export function summaryLine(s: ImportSummary): string {
  const c = s.counts;
  const skipped = c.already_imported + c.already_tracked;
  const what = s.dryRun ? `${c.would_import} would be imported` : `${c.imported} imported`;
  const tail = s.dryRun ? '; dry run, nothing written' : '';
  return `${path.basename(s.file)} → template ${s.template}: ${what}, ${skipped} skipped (${c.already_imported} already imported, ${c.already_tracked} already tracked), ${c.invalid} invalid, ${c.other_template} of another template — ${s.totalRows} rows${tail}`;
}

function printSummary(s: ImportSummary): void {
  const problems = s.rows.filter((r) => r.outcome === 'invalid' || r.outcome === 'other_template');
  for (const r of problems) process.stdout.write(`line ${r.line}${r.userId ? ` (${r.userId})` : ''}: ${r.message ?? r.outcome}\n`);
  process.stdout.write(`${summaryLine(s)}\n`);
  if (!s.complete) process.stdout.write('stopped before the end of the file: run the same command again to resume (rows already imported are skipped)\n');
}

export function registerImportCommand(program: Command): void {
  withJson(
    program
      .command('import')
      .description('enqueue assigns for users whose IM&P service was assigned before imp-bridge existed (the AS will never send them)')
      .argument('<users.csv>', 'CSV with a header line; columns are listed in the README ("Importing existing users")')
      .requiredOption('--template <name>', 'the template the users belong to')
      .option('--dry-run', 'validate every row and report errors with line numbers; write nothing')
      .option('--batch-size <n>', `rows per committed batch (at most ${IMPORT_BATCH_LIMIT})`, parsePositiveInt, 100)
      .addHelpText(
        'after',
        '\nEach row is validated exactly as a flow-through UserIntegratedIMPAddRequest. Batches are committed one by one;\na re-run skips rows already imported, so an interrupted import is resumed by running it again.\nExit code: 0 when every row was imported or skipped, 1 when a row was refused or the import stopped early.',
      ),
  ).action(async (file: string, o: ImportFlags) => {
    if (o.batchSize > IMPORT_BATCH_LIMIT) throw new ImpbError('IMPB_ERR_VALIDATION', { message: `--batch-size: at most ${IMPORT_BATCH_LIMIT}` });
    // The bar goes to stderr, and only to a terminal: pipes and --json output stay clean.
    const bar = process.stderr.isTTY
      ? new SingleBar({ stream: process.stderr, format: 'import [{bar}] {value}/{total} rows', hideCursor: true }, Presets.shades_classic)
      : undefined;
    let stop = false;
    const onSigint = () => {
      stop = true;
      process.stderr.write('\nstopping after the current batch…\n');
    };
    process.once('SIGINT', onSigint);
    let started = false;
    let summary: ImportSummary;
    try {
      summary = await withClient((c) =>
        runImport(file, o, (body) => c.call<ImportBatchResult>('POST', '/api/v1/import/users', body), {
          stopRequested: () => stop,
          onProgress: (done, total) => {
            if (!bar) return;
            if (!started) bar.start(total, done);
            started = true;
            bar.update(done);
          },
        }),
      );
    } finally {
      process.removeListener('SIGINT', onSigint);
      if (started) bar?.stop();
    }
    if (o.json) {
      printJson(summary);
      // The summary line is always shown; with --json on stderr, so stdout stays one JSON document.
      process.stderr.write(`${summaryLine(summary)}\n`);
    } else printSummary(summary);
    if (!summary.complete || summary.counts.invalid || summary.counts.other_template) process.exitCode = EXIT.FAILED;
  });
}
