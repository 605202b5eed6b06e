import type { Command } from 'commander';

export function registerSimulateWebexCommand(_program: Command): void {}
