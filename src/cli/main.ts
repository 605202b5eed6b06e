import { Command, CommanderError } from 'commander';
import { VERSION } from '../version';
import { registerAdminCommands } from './commands/admin-commands';
import { registerCertificateCommands } from './commands/certificate-commands';
import { registerSendCommand } from './commands/send-command';
import { registerServeCommand } from './commands/serve-command';
import { registerSimulateWebexCommand } from './commands/simulate-webex-command';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './exit-codes';

export function buildProgram(): Command {
  const program = new Command('imp-bridge')
    .description('BroadWorks Integrated IM&P flow-through → Webex provisioning proxy')
    .version(VERSION)
    .showHelpAfterError()
    .addHelpText('after', EXIT_CODES_HELP);
  registerServeCommand(program);
  registerSendCommand(program);
  registerSimulateWebexCommand(program);
  registerCertificateCommands(program);
  registerAdminCommands(program);
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit 0; usage mistakes with 2.
      process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`imp-bridge: ${message}\n`);
    process.exit(exitCodeFor(err));
  }
}
