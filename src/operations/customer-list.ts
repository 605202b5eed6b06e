import type { CustomerRecord, Store } from '../store';

export interface CustomerRow {
  enterpriseId: string;
  template: string;
  targetApi: 'broadworks' | 'wholesale';
  status: string;
  webexCustomerId?: string;
  lastError?: string;
  /** Subscribers of the enterprise by status. */
  subscribers: Record<string, number>;
  /** Epoch ms (ISO text at the edges). */
  updatedAt?: number;
}

export interface CustomerListFilter {
  template?: string;
  status?: string;
  limit?: number;
  offset?: number;
}

/** Status of a BroadWorks-target enterprise: Webex keeps no customer record the proxy creates. */
export const BROADWORKS_ENTERPRISE_STATUS = 'broadworks';

/**
 * Customers as the operator thinks of them: the Wholesale customer records, and the
 * enterprises of BroadWorks-target templates, which have no customer record (Webex creates
 * their org from the first subscriber), taken from the subscribers' enterprises.
 */
export async function listCustomers(store: Store, filter: CustomerListFilter): Promise<{ rows: CustomerRow[]; total: number }> {
  const templates = new Map((await store.templates.list()).map((t) => [t.name, t.targetApi]));
  const byKey = new Map<string, CustomerRow>();
  const key = (enterpriseId: string, template: string) => `${template}\u0000${enterpriseId}`;
  for (let offset = 0; ; offset += 10_000) {
    const subs = await store.subscribers.list({ template: filter.template, limit: 10_000, offset });
    for (const s of subs) {
      const k = key(s.enterpriseId, s.template);
      const row = byKey.get(k) ?? {
        enterpriseId: s.enterpriseId,
        template: s.template,
        targetApi: templates.get(s.template) ?? 'broadworks',
        status: BROADWORKS_ENTERPRISE_STATUS,
        subscribers: {},
      };
      row.subscribers[s.status] = (row.subscribers[s.status] ?? 0) + 1;
      if (!row.updatedAt || s.updatedAt > row.updatedAt) row.updatedAt = s.updatedAt;
      byKey.set(k, row);
    }
    if (subs.length < 10_000) break;
  }
  const records: CustomerRecord[] = [];
  for (let offset = 0; ; offset += 10_000) {
    const page = await store.customers.list({ template: filter.template, limit: 10_000, offset });
    records.push(...page);
    if (page.length < 10_000) break;
  }
  const wholesaleKeys = new Set<string>();
  for (const c of records) {
    const k = key(c.enterpriseId, c.template);
    wholesaleKeys.add(k);
    byKey.set(k, {
      enterpriseId: c.enterpriseId,
      template: c.template,
      targetApi: templates.get(c.template) ?? 'wholesale',
      status: c.status,
      webexCustomerId: c.webexCustomerId,
      lastError: c.lastError,
      subscribers: byKey.get(k)?.subscribers ?? {},
      updatedAt: c.updatedAt,
    });
  }
  // Subscribers of a Wholesale template whose customer record is not written yet stay listed, as such.
  for (const [k, row] of byKey) if (row.targetApi === 'wholesale' && !wholesaleKeys.has(k)) row.status = 'no customer record yet';
  const all = [...byKey.values()]
    .filter((r) => !filter.status || r.status === filter.status)
    .sort((a, b) => a.enterpriseId.localeCompare(b.enterpriseId) || a.template.localeCompare(b.template));
  const offset = filter.offset ?? 0;
  return { rows: all.slice(offset, offset + (filter.limit ?? 100)), total: all.length };
}

/** Statuses a customers filter may name: what the list can hold now, and the usual ones. */
export async function customerStatuses(store: Store): Promise<string[]> {
  const { rows } = await listCustomers(store, { limit: 1_000_000 });
  return [...new Set([BROADWORKS_ENTERPRISE_STATUS, 'provisioning', 'provisioned', 'creating', 'error', ...rows.map((r) => r.status)])];
}
