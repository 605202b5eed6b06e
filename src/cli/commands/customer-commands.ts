import type { Command } from 'commander';
import { ImpbError } from '../../errors';
import { BROADWORKS_ENTERPRISE_STATUS, customerStatuses, listCustomers, type CustomerRow } from '../../operations/customer-list';
import { printRecord } from '../output';
import { assertOneOf } from '../usage';
import { checkTemplateFilter, enc, parsePositiveInt, printList, qs, readOnly, withJson, type JsonFlag } from './cli-context';

const CUSTOMER_STATUSES = [BROADWORKS_ENTERPRISE_STATUS, 'provisioning', 'provisioned', 'creating', 'error'];

export function registerCustomerCommands(program: Command): void {
  const customers = program.command('customers').alias('customer').description('customers (enterprises) known to the proxy');

  withJson(
    customers
      .command('list')
      .description('list customers: Wholesale customer records and the enterprises of BroadWorks-target templates (status broadworks)')
      .option('--template <name>', 'only this template')
      .option('--status <status>', 'only this status')
      .option('--limit <n>', 'at most this many', parsePositiveInt, 100),
  ).action(async (o: JsonFlag & { template?: string; status?: string; limit?: number }) => {
    const filter = { template: o.template, status: o.status, limit: o.limit };
    const withEnterprises = 'true';
    const page = await readOnly(
      async (c) => {
        await checkTemplateFilter(c, o.template);
        const all = o.status ? (await c.call<{ customers: CustomerRow[] }>('GET', `/api/v1/customers${qs({ limit: 10_000, withEnterprises })}`)).customers : [];
        if (o.status) assertOneOf('--status', o.status, [...new Set([...CUSTOMER_STATUSES, ...all.map((r) => r.status)])], 'customer status');
        const res = await c.call<{ customers: CustomerRow[]; total?: number }>('GET', `/api/v1/customers${qs({ ...filter, withEnterprises })}`);
        return { rows: res.customers, total: res.total };
      },
      async (store) => {
        await checkTemplateFilter(store, o.template);
        if (o.status) assertOneOf('--status', o.status, await customerStatuses(store), 'customer status');
        return listCustomers(store, filter);
      },
    );
    printList(
      {
        ...page,
        rows: o.json
          ? page.rows
          : page.rows.map((r) => ({
              ...r,
              subscribers: Object.entries(r.subscribers ?? {})
                .map(([k, n]) => `${k}=${n}`)
                .join(' '),
            })),
      },
      o,
      ['enterpriseId', 'template', 'targetApi', 'status', 'subscribers', 'webexCustomerId', 'lastError', 'updatedAt'],
    );
  });

  withJson(customers.command('show').description('one customer with its subscriber counts').argument('<enterpriseId>')).action(
    async (id: string, o: JsonFlag) => {
      const found = await readOnly(
        (c) => c.call<Record<string, unknown>>('GET', `/api/v1/customers/${enc(id)}`),
        async (store) => {
          const customer = await store.customers.get(id);
          const subs = await store.subscribers.list({ enterpriseId: id, limit: 10_000 });
          if (!customer && !subs.length) throw new ImpbError('IMPB_ERR_NOT_FOUND', { message: `no customer "${id}"` });
          const counts: Record<string, number> = {};
          for (const s of subs) counts[s.status] = (counts[s.status] ?? 0) + 1;
          return { customer: customer ?? { enterpriseId: id, status: 'unknown (no customer record)' }, subscribers: counts };
        },
      );
      const { customer, subscribers } = found as { customer: Record<string, unknown>; subscribers: Record<string, number> };
      printRecord(o.json ? found : { ...customer, subscribers }, o);
    },
  );
}
