import type { Command } from 'commander';
import type { DoctorReport, DoctorStatus } from '../../operations/doctor';
import { EXIT } from '../exit-codes';
import { printJson } from '../output';
import { withClient, withJson, type JsonFlag } from './cli-context';

const LABEL: Record<DoctorStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export function registerDoctorCommand(program: Command): void {
  withJson(
    program
      .command('doctor')
      .description('check the running proxy: listeners, certificates, trust, Webex credentials, clock, queue, store, disk — each finding with its fix')
      .addHelpText(
        'after',
        '\nOne line per check: ok, warn or FAIL, what is wrong, and what to do.\nExit code: 0 when no check fails (warnings alone still exit 0), 1 when any check fails, 3 when the proxy is unreachable.',
      ),
  ).action(async (o: JsonFlag) => {
    const report = await withClient((c) => c.call<DoctorReport>('GET', '/api/v1/doctor'));
    if (o.json) printJson(report);
    else process.stdout.write(formatDoctor(report));
    if (report.status === 'fail') process.exitCode = EXIT.FAILED;
  });
}

export function formatDoctor(r: DoctorReport): string {
  const width = Math.max(...r.checks.map((c) => c.name.length));
  const lines = r.checks.map((c) => `${LABEL[c.status]}  ${c.name.padEnd(width)}  ${c.message}${c.fix ? `\n      ${' '.repeat(width)}  → ${c.fix}` : ''}`);
  lines.push(
    '',
    `${r.counts.ok} ok, ${r.counts.warn} warning${r.counts.warn === 1 ? '' : 's'}, ${r.counts.fail} failed (imp-bridge ${r.version}, ${r.generatedAt})`,
  );
  return `${lines.join('\n')}\n`;
}
