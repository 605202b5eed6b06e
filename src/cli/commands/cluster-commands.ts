import type { Command } from 'commander';
import { createTemplateService } from '../../templates/template-service';
import { provisioningBaseUrlFromConfig } from '../../templates/template-view';
import { printJson, printRecord, printRows } from '../output';
import { usageError } from '../usage';
import { collect, enc, readOnly, withClient, withJson, type JsonFlag } from './cli-context';

interface ClusterFlags extends JsonFlag {
  description?: string;
  host?: string[];
  subjectCn?: string[];
  san?: string[];
  fingerprint?: string[];
  source?: string[];
  clearSourceAddresses?: boolean;
  clearIdentityRules?: boolean;
}

function clusterOptions(cmd: Command): Command {
  return cmd
    .option('--description <text>', 'what the cluster is')
    .option('--host <name>', 'AS/XSP host name or address (repeatable; replaces the list on edit)', collect)
    .option('--subject-cn <pattern>', 'accepted client certificate subject CN (* wildcard, repeatable)', collect)
    .option('--san <pattern>', 'accepted client certificate SAN (* wildcard, repeatable)', collect)
    .option('--fingerprint <sha256>', 'accepted client certificate SHA-256 fingerprint (repeatable)', collect)
    .option('--source <addr>', 'accepted source address, exact IP or CIDR (repeatable)', collect);
}

function clusterBody(o: ClusterFlags, forEdit: boolean): Record<string, unknown> {
  if (o.clearSourceAddresses && o.source) throw usageError('--clear-source-addresses and --source together: give one (--source alone replaces the list)');
  if (o.clearIdentityRules && (o.subjectCn || o.san || o.fingerprint)) {
    throw usageError('--clear-identity-rules and --subject-cn/--san/--fingerprint together: give one (the rule flags alone replace the rules)');
  }
  const body: Record<string, unknown> = {};
  if (o.description !== undefined) body.description = o.description;
  if (o.host) body.hosts = o.host;
  if (o.source) body.sourceAddresses = o.source;
  if (o.clearSourceAddresses) body.sourceAddresses = [];
  if (o.subjectCn || o.san || o.fingerprint || o.clearIdentityRules || !forEdit) {
    body.identityRules = { subjectCn: o.subjectCn ?? [], san: o.san ?? [], fingerprints: o.fingerprint ?? [] };
  }
  return body;
}

const service = (store: Parameters<typeof createTemplateService>[0]['store'], config: Parameters<typeof provisioningBaseUrlFromConfig>[0]) =>
  createTemplateService({ store, provisioningBaseUrl: () => provisioningBaseUrlFromConfig(config), actor: 'cli' });

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').alias('clusters').description('BroadWorks clusters (AS/XSP hosts and client identity rules)');

  withJson(cluster.command('list').description('list clusters')).action(async (o: JsonFlag) => {
    const clusters = await readOnly(
      async (c) => (await c.call<{ clusters: Array<Record<string, unknown>> }>('GET', '/api/v1/clusters')).clusters,
      (store, config) => service(store, config).listClusters() as unknown as Promise<Array<Record<string, unknown>>>,
    );
    printRows(
      clusters.map((c) => ({ ...c, hosts: (c.hosts as string[]).join(', ') })),
      o,
      ['name', 'description', 'hosts', 'updatedAt'],
    );
  });

  withJson(cluster.command('show').description('one cluster and the templates that use it').argument('<name>')).action(async (name: string, o: JsonFlag) => {
    const found = await readOnly(
      (c) => c.call<Record<string, unknown>>('GET', `/api/v1/clusters/${enc(name)}`),
      (store, config) => service(store, config).getCluster(name) as unknown as Promise<Record<string, unknown>>,
    );
    printRecord(found, o);
  });

  withJson(clusterOptions(cluster.command('add').description('create a cluster').argument('<name>'))).action(async (name: string, o: ClusterFlags) => {
    const created = await withClient((c) => c.call<Record<string, unknown>>('POST', '/api/v1/clusters', { name, ...clusterBody(o, false) }));
    if (o.json) printJson(created);
    else process.stdout.write(`cluster ${name} created\n`);
  });

  withJson(
    clusterOptions(
      cluster.command('edit').description('edit a cluster (only the options given change; a repeatable option replaces its list)').argument('<name>'),
    )
      .option('--clear-source-addresses', 'accept any source address again (empties the list)')
      .option('--clear-identity-rules', 'accept any client certificate the trust anchors verify (empties --subject-cn, --san and --fingerprint rules)'),
  ).action(async (name: string, o: ClusterFlags) => {
    const updated = await withClient((c) => c.call<Record<string, unknown>>('PATCH', `/api/v1/clusters/${enc(name)}`, clusterBody(o, true)));
    if (o.json) printJson(updated);
    else process.stdout.write(`cluster ${name} updated\n`);
  });

  withJson(cluster.command('remove').description('delete a cluster (refused while a template references it)').argument('<name>')).action(
    async (name: string, o: JsonFlag) => {
      const res = await withClient((c) => c.call<Record<string, unknown>>('DELETE', `/api/v1/clusters/${enc(name)}`));
      if (o.json) printJson(res);
      else process.stdout.write(`cluster ${name} deleted\n`);
    },
  );
}
