import type { Command } from 'commander';
import type { CoverageRow, DialectCoverage } from '../../domain';
import { EXIT } from '../exit-codes';
import { formatTable, printJson } from '../output';
import { assertOneOf } from '../usage';
import { qs, withClient, withJson, type JsonFlag } from './cli-context';

function rows(list: CoverageRow[]): Array<Record<string, unknown>> {
  return list.map((r) => ({
    name: r.name,
    understood: r.understood,
    notUnderstood: r.notUnderstood,
    firstSeen: r.firstSeen,
    lastSeen: r.lastSeen,
  }));
}

export function formatCoverage(c: DialectCoverage): string {
  const out: string[] = [];
  out.push(
    `dialect coverage${c.template ? ` of template ${c.template}` : ''} since ${c.since}: ${c.requests.total} requests, ${c.requests.understood} understood, ${c.requests.notUnderstood} not`,
    '',
  );
  if (c.commandTypes.length) out.push('command types', formatTable(rows(c.commandTypes)).trimEnd(), '');
  if (c.elements.length) out.push('elements', formatTable(rows(c.elements)).trimEnd(), '');
  for (const s of c.unknownShapes) {
    out.push(`unknown shape: ${s.shape} (${s.count}, first ${s.firstSeen}, last ${s.lastSeen})`);
    if (s.example)
      out.push(
        s.example
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n'),
      );
  }
  if (c.unknownShapes.length) out.push('');
  out.push(
    c.verdict.complete
      ? `verdict: ${c.verdict.text}`
      : `verdict: ${c.verdict.text}${c.verdict.gaps.length ? `; gaps:\n${c.verdict.gaps.map((g) => `  - ${g}`).join('\n')}` : ''}`,
  );
  return `${out.join('\n')}\n`;
}

export function registerDialectCommands(program: Command): void {
  const dialect = program.command('dialect').description('the flow-through dialect as shadow mode saw it, and the configured extensions');
  withJson(
    dialect
      .command('coverage')
      .description('per command type and element: understood or not, first and last seen, one masked example per unknown shape; exits 4 while there are gaps')
      .option('--template <name>', 'one template (default: all)')
      .option('--since <duration>', 'window: 7d, 36h, 90m', '7d'),
  ).action(async (o: JsonFlag & { template?: string; since: string }) => {
    const coverage = await withClient(async (c) => {
      if (o.template !== undefined) {
        const { templates } = await c.call<{ templates: Array<{ name: string }> }>('GET', '/api/v1/templates');
        assertOneOf(
          '--template',
          o.template,
          templates.map((t) => t.name),
          'template',
        );
      }
      return c.call<DialectCoverage>('GET', `/api/v1/dialect/coverage${qs({ template: o.template, since: o.since })}`);
    });
    if (o.json) printJson(coverage);
    else process.stdout.write(formatCoverage(coverage));
    if (!coverage.verdict.complete) process.exitCode = EXIT.FINDINGS;
  });
  withJson(
    dialect.command('extensions').description("the dialect extensions in force (the configuration file's dialect section, re-read while running)"),
  ).action(async (o: JsonFlag) => {
    const ext = await withClient((c) => c.call<Record<string, unknown>>('GET', '/api/v1/dialect/extensions'));
    if (o.json) printJson(ext);
    else process.stdout.write(`${JSON.stringify(ext, null, 2)}\n`);
  });
}
