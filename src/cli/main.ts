import { Command, CommanderError } from 'commander';
import { VERSION } from '../version';
import { registerAdminCommands } from './commands/admin-commands';
import { registerCertificateCommands } from './commands/certificate-commands';
import { registerSendCommand } from './commands/send-command';
import { registerServeCommand } from './commands/serve-command';
import { registerSimulateWebexCommand } from './commands/simulate-webex-command';
import { registerStoreCommands } from './commands/store-commands';
import { exitQuietlyOnClosedStdout } from './closed-stdout';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './exit-codes';
import { inOperatorWords } from './operator-words';
import { applyUsageConventions } from './usage';

export function buildProgram(): Command {
  const program = new Command('imp-bridge')
    .description('BroadWorks Integrated IM&P flow-through → Webex provisioning proxy')
    .version(VERSION)
    .addHelpText('after', EXIT_CODES_HELP);
  registerServeCommand(program);
  registerSendCommand(program);
  registerSimulateWebexCommand(program);
  registerCertificateCommands(program);
  registerAdminCommands(program);
  registerStoreCommands(program);
  // Last, so that it reaches every command registered above.
  applyUsageConventions(program);
  return program;
}

/**
 * Runs the CLI; answers the exit code when the command ended in an error (usage mistakes 2,
 * see exit-codes.ts), undefined when it completed (process.exitCode then holds 0 or 4).
 */
export async function executeCli(argv: string[], program: Command = buildProgram()): Promise<number | undefined> {
  let ran: Command | undefined;
  program.hook('preAction', (_root, actionCommand) => {
    ran = actionCommand;
  });
  try {
    await program.parseAsync(argv);
    return undefined;
  } catch (thrown) {
    const err = inOperatorWords(thrown, ran);
    // Commander has already printed its one line; --help and --version end with 0.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`imp-bridge: ${message}\n`);
    return exitCodeFor(err);
  }
}

export async function runCli(argv: string[]): Promise<void> {
  exitQuietlyOnClosedStdout();
  const code = await executeCli(argv);
  if (code !== undefined) process.exit(code);
}
