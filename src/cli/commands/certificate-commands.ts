import type { Command } from 'commander';

export function registerCertificateCommands(_program: Command): void {}
