import fs from 'node:fs';
import type { Command } from 'commander';
import { ImpbError } from '../../errors';
import { createTemplateService } from '../../templates/template-service';
import { provisioningBaseUrlFromConfig } from '../../templates/template-view';
import { printJson, printRecord, printRows, printWarnings } from '../output';
import { choiceOption, enc, readOnly, withClient, withJson, type JsonFlag } from './cli-context';
import { modeBody, modeOptions, type ModeFlags } from './template-mode-options';

interface TemplateFlags extends JsonFlag, ModeFlags {
  provisioningId?: string;
  package?: string;
  target?: string;
  cluster?: string;
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  trustedEmail?: boolean;
  enterpriseMode?: boolean;
  enterpriseIdPattern?: string;
  language?: string;
  timeZone?: string;
  enabled?: boolean;
  recordMode?: boolean;
  wholesale?: string;
  force?: boolean;
}

function templateOptions(cmd: Command, forAdd: boolean): Command {
  return modeOptions(cmd)
    .option('--provisioning-id <id>', 'Webex provisioningId (Partner Hub → template)')
    .option('--package <package>', 'subscriber package (broadworks: softphone|basic|standard|premium; wholesale: webex_calling, webex_suite, …)')
    .addOption(choiceOption('--target <api>', 'target Webex API', ['broadworks', 'wholesale']))
    .option('--cluster <name>', 'BroadWorks cluster allowed to use the template')
    .option('--username <name>', 'provisioning account user name the AS sends')
    .option(
      '--password <password>',
      forAdd
        ? 'provisioning password, at most 20 characters (generated and shown once when absent)'
        : 'new provisioning password (absent or empty: keep the current one)',
    )
    .option('--password-stdin', 'read the password from stdin (keeps it out of the process list)')
    .option('--trusted-email', 'emails from BroadWorks are trusted (no validation mail)')
    .option('--no-trusted-email', 'emails must be validated by the user')
    .option('--enterprise-mode', 'Webex customers are BroadWorks enterprises')
    .option('--no-enterprise-mode', 'Webex customers are BroadWorks groups')
    .option('--enterprise-id-pattern <pattern>', 'e.g. {serviceProviderId}+{groupId}')
    .option('--language <code>', 'default language')
    .option('--time-zone <tz>', 'default time zone')
    .option('--enabled', 'accept requests for this template')
    .option('--no-enabled', 'refuse requests for this template (4004)')
    .option('--record-mode', 'keep every request and response (masked)')
    .option('--wholesale <file>', 'JSON file with the Wholesale customer onboarding data');
}

async function readPassword(o: TemplateFlags): Promise<string | undefined> {
  if (!o.passwordStdin) return o.password;
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

async function templateBody(o: TemplateFlags, cmd: Command): Promise<Record<string, unknown>> {
  const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
  const body: Record<string, unknown> = {};
  if (o.provisioningId !== undefined) body.provisioningId = o.provisioningId;
  if (o.package !== undefined) body.package = o.package;
  if (o.target !== undefined) body.targetApi = o.target;
  if (o.cluster !== undefined) body.cluster = o.cluster;
  if (given('trustedEmail')) body.trustedEmail = o.trustedEmail;
  if (given('enterpriseMode')) body.enterpriseMode = o.enterpriseMode;
  if (given('enabled')) body.enabled = o.enabled;
  if (o.recordMode) body.recordMode = true;
  if (o.enterpriseIdPattern !== undefined) body.enterpriseIdPattern = o.enterpriseIdPattern;
  if (o.language !== undefined) body.language = o.language;
  if (o.timeZone !== undefined) body.timeZone = o.timeZone;
  if (o.wholesale) {
    try {
      body.wholesale = JSON.parse(fs.readFileSync(o.wholesale, 'utf8')) as unknown;
    } catch (err) {
      throw new ImpbError('IMPB_ERR_VALIDATION', { message: `cannot read the Wholesale onboarding JSON ${o.wholesale}: ${(err as Error).message}` });
    }
  }
  Object.assign(body, modeBody(o, given));
  const password = await readPassword(o);
  if (o.username !== undefined || password !== undefined)
    body.account = { ...(o.username ? { username: o.username } : {}), ...(password !== undefined ? { password } : {}) };
  return body;
}

const service = (store: Parameters<typeof createTemplateService>[0]['store'], config: Parameters<typeof provisioningBaseUrlFromConfig>[0]) =>
  createTemplateService({ store, provisioningBaseUrl: () => provisioningBaseUrlFromConfig(config), actor: 'cli' });

/** The same short confirmation after add and edit: what the AS needs, then the warnings. */
function printConfirmation(verb: 'created' | 'updated', template: Record<string, unknown>, generatedPassword?: string): void {
  process.stdout.write(`template ${String(template.name)} ${verb}\n`);
  process.stdout.write(`  provisioning URL:      ${template.provisioningUrl as string}\n`);
  process.stdout.write(`  provisioning user:     ${(template.account as { username: string }).username}\n`);
  if (generatedPassword) {
    process.stdout.write(`  provisioning password: ${generatedPassword}\n  (generated; shown only now — enter it on the AS)\n`);
  }
  printWarnings(template.warnings);
}

export function registerTemplateCommands(program: Command): void {
  const template = program.command('template').alias('templates').description('customer templates (provisioning URL, account, package, target API)');
  registerTemplateListCommand(template);
  registerTemplateShowCommand(template);
  registerTemplateAddCommand(template);
  registerTemplateEditCommand(template);
  registerTemplateSetModeCommand(template);
  registerTemplateRemoveCommand(template);
}

function registerTemplateListCommand(template: Command): void {
  withJson(template.command('list').description('list templates')).action(async (o: JsonFlag) => {
    const templates = await readOnly(
      async (c) => (await c.call<{ templates: Array<Record<string, unknown>> }>('GET', '/api/v1/templates')).templates,
      (store, config) => service(store, config).listTemplates() as unknown as Promise<Array<Record<string, unknown>>>,
    );
    printRows(templates, o, ['name', 'targetApi', 'package', 'cluster', 'enabled', 'provisioningUrl']);
  });
}

function registerTemplateShowCommand(template: Command): void {
  withJson(template.command('show').description('one template with the provisioning URL to configure on the AS').argument('<name>')).action(
    async (name: string, o: JsonFlag) => {
      const found = await readOnly(
        (c) => c.call<Record<string, unknown>>('GET', `/api/v1/templates/${enc(name)}`),
        (store, config) => service(store, config).getTemplate(name) as unknown as Promise<Record<string, unknown>>,
      );
      if (o.json) {
        printJson(found);
        return;
      }
      const { warnings, ...shown } = found;
      printRecord(shown, o);
      printWarnings(warnings);
    },
  );
}

function registerTemplateAddCommand(template: Command): void {
  const add = templateOptions(template.command('add').description('create a template').argument('<name>'), true);
  withJson(add).action(async (name: string, o: TemplateFlags, cmd: Command) => {
    const body: Record<string, unknown> = { name, ...(await templateBody(o, cmd)) };
    const missing = [
      ['--provisioning-id', 'provisioningId'],
      ['--package', 'package'],
    ].filter(([, key]) => body[key] === undefined);
    if (!(body.account as { username?: string } | undefined)?.username) missing.push(['--username', 'account.username']);
    if (missing.length) throw new ImpbError('IMPB_ERR_VALIDATION', { message: `missing ${missing.map(([flag]) => flag).join(', ')}` });
    const created = await withClient((c) => c.call<{ template: Record<string, unknown>; generatedPassword?: string }>('POST', '/api/v1/templates', body));
    if (o.json) {
      printJson(created);
      return;
    }
    printConfirmation('created', { name, ...created.template }, created.generatedPassword);
  });
}

function registerTemplateEditCommand(template: Command): void {
  const edit = templateOptions(
    template.command('edit').description('edit a template (only the options given change; no password keeps the current one)').argument('<name>'),
    false,
  );
  withJson(edit).action(async (name: string, o: TemplateFlags, cmd: Command) => {
    const updated = await withClient(async (c) => c.call<Record<string, unknown>>('PATCH', `/api/v1/templates/${enc(name)}`, await templateBody(o, cmd)));
    if (o.json) printJson(updated);
    else {
      printConfirmation('updated', { name, ...updated });
      if (updated.modeChange) process.stdout.write(`${updated.modeChange as string}\n`);
    }
  });
}

function registerTemplateSetModeCommand(template: Command): void {
  withJson(
    template
      .command('set-mode')
      .description('switch a template between provision, relay and shadow; leaving relay/shadow for provision is refused while the dialect coverage shows gaps')
      .argument('<name>')
      .argument('<mode>', 'provision, relay or shadow')
      .option('--force', 'switch to provision although the dialect coverage shows gaps'),
  ).action(async (name: string, mode: string, o: TemplateFlags) => {
    if (!['provision', 'relay', 'shadow'].includes(mode))
      throw new ImpbError('IMPB_ERR_VALIDATION', { message: `<mode>: expected provision, relay or shadow, got "${mode}"`, details: { usage: true } });
    const updated = await withClient((c) =>
      c.call<Record<string, unknown>>('PATCH', `/api/v1/templates/${enc(name)}${o.force ? '?force=true' : ''}`, { mode }),
    );
    if (o.json) printJson(updated);
    else process.stdout.write(`${(updated.modeChange as string | undefined) ?? `template ${name} is already in ${mode} mode`}\n`);
  });
}

function registerTemplateRemoveCommand(template: Command): void {
  withJson(
    template
      .command('remove')
      .description('delete a template (refused while it has pending or active subscribers unless --force)')
      .argument('<name>')
      .option('--force', 'delete although subscribers are pending or active: they stay in Webex, unmanaged, and their unfinished jobs are cancelled'),
  ).action(async (name: string, o: TemplateFlags) => {
    const res = await withClient((c) => c.call<Record<string, unknown>>('DELETE', `/api/v1/templates/${enc(name)}${o.force ? '?force=true' : ''}`));
    if (o.json) {
      printJson(res);
      return;
    }
    process.stdout.write(`template ${name} deleted\n`);
    if (res.consequence) process.stdout.write(`${res.consequence as string}\n`);
    if (res.jobsCancelled) process.stdout.write(`${res.jobsCancelled as number} unfinished job${res.jobsCancelled === 1 ? '' : 's'} cancelled\n`);
  });
}
