import { Command } from 'commander';
import { registerSimulateWebexCommand } from '../../src/cli/commands/simulate-webex-command';

describe('imp-bridge simulate-webex', () => {
  it('is registered with --port, --token and --delay', () => {
    const program = new Command('imp-bridge');
    registerSimulateWebexCommand(program);
    const cmd = program.commands.find((c) => c.name() === 'simulate-webex');
    expect(cmd).toBeDefined();
    const flags = cmd!.options.map((o) => o.long);
    expect(flags).toEqual(expect.arrayContaining(['--port', '--token', '--delay', '--host', '--rate-limit', '--retry-after', '--broken-next-links']));
    expect(cmd!.helpInformation()).toContain('simulate-webex');
  });

  it('refuses a port that is not a number (usage error)', async () => {
    const program = new Command('imp-bridge').exitOverride();
    registerSimulateWebexCommand(program);
    program.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => undefined }));
    await expect(program.parseAsync(['node', 'imp-bridge', 'simulate-webex', '--port', 'abc'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
  });
});
