import type { Command } from 'commander';
import { ImpbError } from '../../errors';
import { printRecord, printRows } from '../output';
import { enc, parsePositiveInt, qs, readOnly, withJson, type JsonFlag } from './cli-context';

export function registerCustomerCommands(program: Command): void {
  const customers = program.command('customers').description('customers (enterprises) known to the proxy');

  withJson(
    customers
      .command('list')
      .description('list customers')
      .option('--template <name>', 'only this template')
      .option('--status <status>', 'only this status')
      .option('--limit <n>', 'at most this many', parsePositiveInt, 100),
  ).action(async (o: JsonFlag & { template?: string; status?: string; limit?: number }) => {
    const rows = await readOnly(
      async (c) => (await c.call<{ customers: Array<Record<string, unknown>> }>('GET', `/api/v1/customers${qs({ template: o.template, status: o.status, limit: o.limit })}`)).customers,
      async (store) => (await store.customers.list({ template: o.template, status: o.status, limit: o.limit })) as unknown as Array<Record<string, unknown>>,
    );
    printRows(rows, o, ['enterpriseId', 'template', 'status', 'webexCustomerId', 'lastError', 'updatedAt']);
  });

  withJson(customers.command('show').description('one customer with its subscriber counts').argument('<enterpriseId>')).action(async (id: string, o: JsonFlag) => {
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
  });
}
