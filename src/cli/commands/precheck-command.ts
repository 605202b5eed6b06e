import type { Command } from 'commander';
import type { PrecheckOutcome } from '../../operations/precheck';
import { EXIT } from '../exit-codes';
import { printJson, printRecord } from '../output';
import { withClient, withJson, type JsonFlag } from './cli-context';

export function registerPrecheckCommand(program: Command): void {
  withJson(
    program
      .command('precheck')
      .description('call Webex precheck with what the proxy would send for the user (exit 1 when Webex says no)')
      .argument('<userId>')
      .option('--template <name>', "template the user would be provisioned with (default: the tracked user's template)")
      .option('--email <email>', 'email to check (default: the one the proxy holds)')
      .option('--enterprise <id>', "enterprise id (default: the tracked user's enterprise)")
      .option('--first-name <name>', "first name (default: the tracked user's)")
      .option('--last-name <name>', "last name (default: the tracked user's)")
      .addHelpText(
        'after',
        '\nFor a user the proxy tracks, everything comes from the store; a user it has not seen needs --template, --email and --enterprise.',
      ),
  ).action(async (userId: string, o: JsonFlag & { template?: string; email?: string; enterprise?: string; firstName?: string; lastName?: string }) => {
    const outcome = await withClient((c) =>
      c.call<PrecheckOutcome>('POST', '/api/v1/precheck', {
        userId,
        ...(o.template ? { template: o.template } : {}),
        ...(o.email ? { email: o.email } : {}),
        ...(o.enterprise ? { enterpriseId: o.enterprise } : {}),
        ...(o.firstName ? { firstName: o.firstName } : {}),
        ...(o.lastName ? { lastName: o.lastName } : {}),
      }),
    );
    if (o.json) printJson(outcome);
    else
      printRecord(
        {
          result: outcome.ok ? 'OK' : 'REFUSED',
          api: outcome.api,
          httpStatus: outcome.httpStatus,
          trackingId: outcome.trackingId,
          ...(outcome.ok ? { answer: outcome.result } : { error: outcome.error?.message, webexErrors: outcome.error?.webexErrors }),
          sent: outcome.request,
        },
        o,
      );
    if (!outcome.ok) process.exitCode = EXIT.FAILED;
  });
}
