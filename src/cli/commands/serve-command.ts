import type { Command } from 'commander';

export function registerServeCommand(program: Command): void {
  program
    .command('start')
    .description('start the proxy (same as npm start)')
    .action(async () => {
      const { runMain } = await import('../../main');
      await runMain();
    });
}
