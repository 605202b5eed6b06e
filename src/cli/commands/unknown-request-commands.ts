import type { Command } from 'commander';
import type { UnknownRequest } from '../../store';
import { formatTable, printJson } from '../output';
import { exportFixtures } from './export-fixtures';
import { choiceOption, parsePositiveInt, printList, qs, readOnly, withClient, withJson, type JsonFlag } from './cli-context';

const KINDS = ['unknown', 'recorded'];

export function registerUnknownRequestCommands(program: Command): void {
  const unknown = program
    .command('unknown-requests')
    .alias('unknown-request')
    .description('requests the dialect table did not know (stored, passwords masked)');
  registerUnknownRequestListCommand(unknown);
  registerUnknownRequestReplayCommand(unknown);
  registerUnknownRequestExportCommand(unknown);
}

function registerUnknownRequestListCommand(unknown: Command): void {
  withJson(
    unknown
      .command('list')
      .description('list stored unknown requests, newest first')
      .addOption(choiceOption('--kind <kind>', 'stored unknown requests, or record-mode captures', KINDS).default('unknown'))
      .option('--with-body', 'include the masked request bodies')
      .option('--limit <n>', 'at most this many', parsePositiveInt, 100),
  ).action(async (o: JsonFlag & { kind: 'unknown' | 'recorded'; withBody?: boolean; limit: number }) => {
    const page = await readOnly<{ rows: unknown[]; total?: number }>(
      async (c) => {
        const res = await c.call<{ unknownRequests: UnknownRequest[]; total?: number }>(
          'GET',
          `/api/v1/unknown-requests${qs({ kind: o.kind, limit: o.limit, withBody: o.withBody ? 'true' : undefined })}`,
        );
        return { rows: res.unknownRequests, total: res.total };
      },
      async (store) => ({
        rows: (await store.unknownRequests.list({ kind: o.kind, limit: o.limit })).map((r) =>
          o.withBody ? r : { ...r, body: undefined, response: undefined },
        ),
        total: await store.unknownRequests.count(o.kind),
      }),
    );
    printList(page, o, ['id', 'receivedAt', 'template', 'reason', 'requestId', ...(o.withBody ? ['body'] : [])]);
  });
}

function registerUnknownRequestReplayCommand(unknown: Command): void {
  withJson(
    unknown
      .command('replay')
      .description(
        'read stored unknown requests again with the dialect extensions now in force; a dry run unless --apply; each is replayed at most once, and audited',
      )
      .option('--template <name>', "only this template's requests")
      .option('--id <n...>', 'only these stored requests (ids from list)', (v: string, prev: number[] | undefined) => [...(prev ?? []), parsePositiveInt(v)])
      .option('--apply', 'accept what is now understood (run without it first to see what would be)'),
  ).action(async (o: JsonFlag & { template?: string; id?: number[]; apply?: boolean }) => {
    const ids = o.id;
    const res = await withClient((c) =>
      c.call<{ dryRun: boolean; results: Array<Record<string, unknown>> }>('POST', '/api/v1/unknown-requests/replay', {
        template: o.template,
        ids,
        apply: Boolean(o.apply),
      }),
    );
    if (o.json) {
      printJson(res);
      return;
    }
    process.stdout.write(
      formatTable(
        res.results.map((r) => ({ ...r, events: (r.events as string[]).join(', ') })),
        ['id', 'template', 'outcome', 'events', 'detail'],
      ),
    );
    const counts = res.results.reduce<Record<string, number>>((acc, r) => ((acc[String(r.outcome)] = (acc[String(r.outcome)] ?? 0) + 1), acc), {});
    process.stdout.write(
      `${res.dryRun ? 'dry run: nothing accepted; run again with --apply' : 'applied'} (${
        Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ') || 'no stored unknown request'
      })\n`,
    );
  });
}

function registerUnknownRequestExportCommand(unknown: Command): void {
  withJson(
    unknown
      .command('export')
      .description('write stored requests as fixture folders (request.xml, response.xml, README.md) to turn field traffic into golden tests')
      .requiredOption('--out <dir>', 'folder to write into (created when missing)')
      .addOption(choiceOption('--kind <kind>', 'stored unknown requests, or record-mode captures; the same default as list', KINDS).default('unknown'))
      .option('--limit <n>', 'at most this many', parsePositiveInt, 1000),
  ).action(async (o: JsonFlag & { out: string; kind: 'unknown' | 'recorded'; limit: number }) => {
    const rows = await readOnly(
      async (c) =>
        (await c.call<{ unknownRequests: UnknownRequest[] }>('GET', `/api/v1/unknown-requests${qs({ kind: o.kind, limit: o.limit, withBody: 'true' })}`))
          .unknownRequests,
      (store) => store.unknownRequests.list({ kind: o.kind, limit: o.limit }),
    );
    const written = exportFixtures(rows, o.out);
    if (o.json) printJson({ written });
    else process.stdout.write(`${written.length} fixture folder${written.length === 1 ? '' : 's'} written to ${o.out}\n`);
  });
}
