import type { Command } from 'commander';
import { registerClusterCommands } from './cluster-commands';
import { registerCustomerCommands } from './customer-commands';
import { registerDoctorCommand } from './doctor-command';
import { registerImportCommand } from './import-command';
import { registerInstanceCommands } from './instance-commands';
import { registerJobCommands } from './job-commands';
import { registerPrecheckCommand } from './precheck-command';
import { registerReconcileCommand } from './reconcile-command';
import { registerSubscriberCommands } from './subscriber-commands';
import { registerSupportCommand } from './support-command';
import { registerDialectCommands } from './dialect-commands';
import { registerTemplateCommands } from './template-commands';
import { registerUnknownRequestCommands } from './unknown-request-commands';

/**
 * Operator commands. They talk to the running proxy's admin API (config and IMP_BRIDGE_*
 * variables find it; the token comes from config or <dataDir>/admin-token). Read-only
 * commands fall back to opening the store read-only when no proxy answers.
 */
export function registerAdminCommands(program: Command): void {
  registerClusterCommands(program);
  registerTemplateCommands(program);
  registerSubscriberCommands(program);
  registerCustomerCommands(program);
  registerJobCommands(program);
  registerPrecheckCommand(program);
  registerReconcileCommand(program);
  registerSupportCommand(program);
  registerUnknownRequestCommands(program);
  registerDialectCommands(program);
  registerDoctorCommand(program);
  registerImportCommand(program);
  registerInstanceCommands(program);
}
