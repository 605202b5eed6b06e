import type { Command } from 'commander';

export function registerSendCommand(_program: Command): void {}
