import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { parseStateKey } from '../../certs/snapshot-codec';
import { loadConfig } from '../../config';
import { createSilentLogger } from '../../observability';
import { MIGRATE_BATCH_DEFAULT, MIGRATE_BATCH_LIMIT, migrateFromSqlite, type MigrationSummary, type TableCounts } from '../../operations/migrate-from-sqlite';
import { createPgPool } from '../../store/postgres/pool';
import { printJson, printRows } from '../output';
import { usageError } from '../usage';
import { parsePositiveInt, withJson, type JsonFlag } from './cli-context';

interface MigrateFlags extends JsonFlag {
  to?: string;
  dataDir?: string;
  replaceCertificates?: boolean;
  dryRun?: boolean;
  batchSize: number;
}

const n = (value: number) => value.toLocaleString('en-US');

function tableLine(c: TableCounts, dryRun: boolean): string {
  const differing = c.differing
    ? `, ${n(c.differing)} kept as the database has them (${c.differingKeys.join(', ')}${c.differing > c.differingKeys.length ? ', …' : ''})`
    : '';
  return `${c.table}: ${n(c.copied)} of ${n(c.source)} ${dryRun ? 'would be copied' : 'copied'}, ${n(c.present)} already present${differing}`;
}

function summaryLine(s: MigrationSummary): string {
  const t = s.totals;
  const tail = s.dryRun ? '; dry run, nothing written' : '';
  return `${s.file} → PostgreSQL: ${n(t.copied)} rows ${s.dryRun ? 'would be copied' : 'copied'}, ${n(t.present)} already present, ${n(t.differing)} kept as the database has them — ${n(t.source)} rows in ${s.tables.length} tables${tail}`;
}

function printSummary(s: MigrationSummary): void {
  printRows(
    s.tables.map((t) => ({ table: t.table, rows: t.source, [s.dryRun ? 'wouldCopy' : 'copied']: t.copied, present: t.present, kept: t.differing })),
    {},
    ['table', 'rows', s.dryRun ? 'wouldCopy' : 'copied', 'present', 'kept'],
  );
  process.stdout.write(`certificates: ${s.certificates.outcome}: ${s.certificates.detail}\n`);
  process.stdout.write(`admin token: ${s.adminToken.outcome}: ${s.adminToken.detail}\n`);
  process.stdout.write(`${summaryLine(s)}\n`);
}

/** Per table: a bar on a terminal's stderr while it copies, then one line on stderr (pipes and --json output stay clean). */
function progressReporter(dryRun: boolean) {
  let bar: SingleBar | undefined;
  let current: string | undefined;
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    onProgress(p: { table: string; done: number; total: number }) {
      if (!process.stderr.isTTY) return;
      if (current !== p.table) {
        stopBar();
        current = p.table;
        bar = new SingleBar({ stream: process.stderr, format: `${p.table.padEnd(16)} [{bar}] {value}/{total} rows`, hideCursor: true }, Presets.shades_classic);
        bar.start(p.total, p.done);
      } else {
        bar?.setTotal(p.total);
        bar?.update(p.done);
      }
    },
    onTable(c: TableCounts) {
      stopBar();
      process.stderr.write(`${tableLine(c, dryRun)}\n`);
    },
    stop: stopBar,
  };
}

async function runMigrate(file: string, o: MigrateFlags): Promise<void> {
  const { config } = loadConfig();
  if (o.batchSize > MIGRATE_BATCH_LIMIT) throw usageError(`--batch-size: at most ${n(MIGRATE_BATCH_LIMIT)}`);
  const url = o.to ?? config.store.postgres.url;
  if (!url)
    throw usageError(
      'no PostgreSQL to copy into: set store.postgres.url in the configuration (IMP_BRIDGE_DATABASE_URL), or give --to postgres://user:password@host:5432/db',
    );
  if (!/^postgres(ql)?:\/\//.test(url)) throw usageError('--to: expected a postgres:// URL, e.g. postgres://imp:secret@db.example.net:5432/imp_bridge');
  const encryptionKey = parseStateKey(process.env.IMP_BRIDGE_STATE_ENCRYPTION_KEY);
  const logger = createSilentLogger();
  const pool = createPgPool({ url, poolSize: 2, statementTimeoutMs: Math.max(config.store.postgres.statementTimeoutMs, 60_000), logger });
  const progress = progressReporter(o.dryRun ?? false);
  try {
    const summary = await migrateFromSqlite({
      file,
      dataDir: o.dataDir,
      pool,
      logger,
      dryRun: o.dryRun,
      replaceCertificates: o.replaceCertificates,
      batchSize: o.batchSize,
      encryptionKey,
      onProgress: progress.onProgress,
      onTable: progress.onTable,
    });
    if (summary.migrationsApplied.length) process.stderr.write(`PostgreSQL schema migrated (versions ${summary.migrationsApplied.join(', ')})\n`);
    if (o.json) {
      printJson(summary);
      process.stderr.write(`${summaryLine(summary)}\n`);
    } else printSummary(summary);
  } finally {
    progress.stop();
    await pool.end();
  }
}

/** `imp-bridge store …`: moving a single-instance deployment onto PostgreSQL. */
export function registerStoreCommands(program: Command): void {
  const store = program.command('store').description('the store: copy a single-instance SQLite deployment into PostgreSQL (several instances)');
  withJson(
    store
      .command('migrate-from-sqlite')
      .description(
        'copy a stopped single instance (events, jobs, subscribers, customers, templates, clusters, audit, certificates, admin token) into PostgreSQL',
      )
      .argument('<file>', 'the SQLite store, <dataDir>/imp-bridge.sqlite')
      .option('--to <url>', 'the PostgreSQL URL (default: store.postgres.url, IMP_BRIDGE_DATABASE_URL)')
      .option('--data-dir <dir>', "the single instance's data dir, for its certificates and admin token (default: the file's folder)")
      .option('--replace-certificates', "publish the data dir's certificates even when the database already has the deployment's")
      .option('--dry-run', 'count what would be copied, and check for conflicts; write nothing')
      .option(
        '--batch-size <n>',
        `rows per INSERT, each batch its own transaction (at most ${n(MIGRATE_BATCH_LIMIT)})`,
        parsePositiveInt,
        MIGRATE_BATCH_DEFAULT,
      )
      .addHelpText(
        'after',
        '\nStop the single instance first, run this, then start the instances on PostgreSQL. The file is opened read-only;\n' +
          'the PostgreSQL schema is migrated first. Ids are kept; a second run copies nothing and an interrupted run completes.\n' +
          "A database holding another deployment's rows under the same ids is refused (exit 1), nothing more is copied.",
      ),
  ).action((file: string, o: MigrateFlags) => runMigrate(file, o));
}
