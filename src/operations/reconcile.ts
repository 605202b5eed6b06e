import { UNFINISHED_STATES } from '../domain/job-states';
import type { ProvisioningEvent, Template } from '../domain';
import { isImpbError, isWebexError } from '../errors';
import type { BroadworksSubscriber, WebexProvisioningApi, WholesaleSubscriber } from '../pipeline/webex-port';
import type { Store, SubscriberRecord } from '../store';

export type DriftKind = 'missing_in_webex' | 'unknown_in_webex' | 'status_error';

export interface ReconcileOptions {
  enterprise?: string;
  template?: string;
  /** Queue the fixing jobs. */
  repair?: boolean;
  /**
   * With repair: also queue 'unassign' jobs for subscribers Webex has and the proxy believes
   * unassigned. Off by default: removing a Webex licence is not something to do by surprise.
   */
  unassignUnknown?: boolean;
}

export interface DriftItem {
  kind: DriftKind;
  template: string;
  enterpriseId: string;
  userId?: string;
  email?: string;
  webexSubscriberId?: string;
  webexStatus?: string;
  storeStatus?: string;
  webexErrors?: Array<{ errorCode?: number | string; description?: string }>;
  action: 'resync queued' | 'unassign queued' | 'reported only';
  jobId?: number;
  note?: string;
}

export interface ReconcileReport {
  startedAt: string;
  finishedAt: string;
  scope: { enterprise?: string; template?: string };
  repair: boolean;
  checked: { storeSubscribers: number; webexSubscribers: number; units: number };
  /** Users with unfinished jobs: skipped, the pipeline is already on them. */
  inFlight: string[];
  drift: DriftItem[];
  counts: Record<DriftKind, number>;
  jobsQueued: number;
  /** Units that could not be compared (Webex unreachable, …): their drift is unknown. */
  errors: Array<{ unit: string; code: string; message: string; trackingId?: string }>;
}

export interface ReconcileProgress {
  done: number;
  total: number;
  unit: string;
}

interface Unit {
  name: string;
  templates: Template[];
  enterpriseId?: string;
  /** Lists what Webex has for this unit. */
  listWebex: () => Promise<WebexEntry[]>;
}

interface WebexEntry {
  id: string;
  userId?: string;
  email?: string;
  enterpriseId: string;
  status: string;
  errors?: DriftItem['webexErrors'];
}

const EXPECTED_ABSENT = new Set(['deleted', 'deleting']);

const UNFINISHED_JOB_STATES = UNFINISHED_STATES;

/**
 * Compares what the proxy believes (assigned users in the store) with what Webex has (list
 * subscribers), per provisioningId (Webex for BroadWorks) or per known customer (Wholesale).
 * Repair queues jobs for the pipeline; it never calls Webex to change anything itself.
 */
export async function reconcile(
  deps: { store: Store; webex: WebexProvisioningApi; wake?: () => void },
  options: ReconcileOptions,
  onProgress?: (p: ReconcileProgress) => void,
): Promise<ReconcileReport> {
  const { store, webex } = deps;
  const startedAt = new Date().toISOString();
  const templates = (await store.templates.list()).filter((t) => !options.template || t.name === options.template);
  const units = await planUnits(store, webex, templates, options.enterprise);
  const report: ReconcileReport = {
    startedAt,
    finishedAt: startedAt,
    scope: compact({ enterprise: options.enterprise, template: options.template }),
    repair: Boolean(options.repair),
    checked: { storeSubscribers: 0, webexSubscribers: 0, units: units.length },
    inFlight: [],
    drift: [],
    counts: { missing_in_webex: 0, unknown_in_webex: 0, status_error: 0 },
    jobsQueued: 0,
    errors: [],
  };
  onProgress?.({ done: 0, total: units.length, unit: '' });
  let done = 0;
  for (const unit of units) {
    try {
      await reconcileUnit({ store, options, report }, unit);
    } catch (err) {
      report.errors.push(
        compact({
          unit: unit.name,
          code: isImpbError(err) ? err.code : 'IMPB_ERR_INTERNAL',
          message: (err as Error).message,
          trackingId: isWebexError(err) ? err.trackingId : undefined,
        }),
      );
    }
    onProgress?.({ done: ++done, total: units.length, unit: unit.name });
  }
  for (const item of report.drift) report.counts[item.kind]++;
  report.finishedAt = new Date().toISOString();
  if (report.jobsQueued) deps.wake?.();
  return report;
}

/** What one reconcile pass shares between its steps: the store, the options and the report it fills. */
interface PassContext {
  store: Store;
  options: ReconcileOptions;
  report: ReconcileReport;
}

async function reconcileUnit(ctx: PassContext, unit: Unit): Promise<void> {
  const { store, report } = ctx;
  const webexEntries = await unit.listWebex();
  report.checked.webexSubscribers += webexEntries.length;
  const stored: SubscriberRecord[] = [];
  for (const t of unit.templates) stored.push(...(await allSubscribers(store, t.name, unit.enterpriseId)));
  report.checked.storeSubscribers += stored.length;
  const byUserId = new Map(webexEntries.filter((w) => w.userId).map((w) => [w.userId!, w]));
  const byId = new Map(webexEntries.map((w) => [w.id, w]));
  const byEmail = new Map(webexEntries.filter((w) => w.email).map((w) => [w.email!.toLowerCase(), w]));
  const matched = new Set<string>();

  for (const s of stored) {
    const w =
      (s.webexSubscriberId ? byId.get(s.webexSubscriberId) : undefined) ??
      byUserId.get(s.userId) ??
      (s.email && !unit.templates.some((t) => t.targetApi === 'broadworks') ? byEmail.get(s.email.toLowerCase()) : undefined);
    if (w) matched.add(w.id);
    if ((await store.jobs.pendingForUser(s.userId, 1)).length) {
      report.inFlight.push(s.userId);
      continue;
    }
    const expectedPresent = s.isActive && !EXPECTED_ABSENT.has(s.status);
    const base = compact({ template: s.template, enterpriseId: s.enterpriseId, userId: s.userId, email: s.email, storeStatus: s.status });
    if (!w) {
      if (expectedPresent) await found(ctx, { ...base, kind: 'missing_in_webex' }, s);
    } else if (!expectedPresent) {
      await found(
        ctx,
        { ...base, kind: 'unknown_in_webex', webexSubscriberId: w.id, webexStatus: w.status, note: 'the proxy believes this user unassigned' },
        s,
        w,
      );
    } else if (w.status === 'error') {
      await found(ctx, compact({ ...base, kind: 'status_error' as const, webexSubscriberId: w.id, webexStatus: w.status, webexErrors: w.errors }), s);
    }
  }
  const unmatched = webexEntries.filter((w) => !matched.has(w.id));
  // An assign may have created the user in Webex and not yet written the store record.
  const pending = unmatched.length ? await pendingIdentities(store, unit) : { userIds: new Set<string>(), emails: new Set<string>() };
  for (const w of unmatched) {
    const inFlight = (w.userId && pending.userIds.has(w.userId)) || (w.email && pending.emails.has(w.email.toLowerCase()));
    if (inFlight) {
      if (!report.inFlight.includes(w.userId ?? w.email!)) report.inFlight.push(w.userId ?? w.email!);
      continue;
    }
    const template = unit.templates[0];
    await found(
      ctx,
      compact({
        kind: 'unknown_in_webex' as const,
        template: template.name,
        enterpriseId: w.enterpriseId,
        userId: w.userId,
        email: w.email,
        webexSubscriberId: w.id,
        webexStatus: w.status,
        note: 'not in the proxy’s store (provisioned by other means, or its records were lost)',
      }),
      undefined,
      w,
    );
  }
}

/** User ids and emails with unfinished jobs in the unit: the pipeline is on them. */
async function pendingIdentities(store: Store, unit: Unit): Promise<{ userIds: Set<string>; emails: Set<string> }> {
  const userIds = new Set<string>();
  const emails = new Set<string>();
  for (const t of unit.templates) {
    for (let offset = 0; ;) {
      const page = await store.jobs.list({ template: t.name, state: [...UNFINISHED_JOB_STATES], limit: 1000, offset });
      for (const job of page) {
        if (unit.enterpriseId && job.enterpriseId !== unit.enterpriseId) continue;
        userIds.add(job.userId);
        const email = (job.payload.event as ProvisioningEvent | undefined)?.profile?.email;
        if (email) emails.add(email.toLowerCase());
      }
      if (page.length < 1000) break;
      offset += page.length;
    }
  }
  return { userIds, emails };
}

async function found(ctx: PassContext, item: Omit<DriftItem, 'action'>, stored?: SubscriberRecord, webexEntry?: WebexEntry): Promise<void> {
  const { options, report } = ctx;
  const drift: DriftItem = { ...item, action: 'reported only' };
  report.drift.push(drift);
  if (!options.repair) return;
  if (item.kind !== 'unknown_in_webex') {
    drift.jobId = await enqueue(ctx, item.userId!, stored!.template, stored!.enterpriseId, 'resync', { reason: 'reconcile', drift: item.kind });
    drift.action = 'resync queued';
  } else if (options.unassignUnknown) {
    const userId = stored?.userId ?? webexEntry?.userId;
    if (!userId) {
      drift.note = `${drift.note ?? ''}; no BroadWorks user id known for it: remove it in Partner Hub if it should go`.replace(/^; /, '');
      return;
    }
    drift.jobId = await enqueue(ctx, userId, item.template, item.enterpriseId, 'unassign', { reason: 'reconcile', webexSubscriberId: item.webexSubscriberId });
    drift.action = 'unassign queued';
  }
}

async function enqueue(
  ctx: PassContext,
  userId: string,
  template: string,
  enterpriseId: string,
  kind: 'resync' | 'unassign',
  payload: Record<string, unknown>,
): Promise<number> {
  const { store, report } = ctx;
  const [lastEvent] = await store.events.listForUser(userId, 1);
  const id = await store.jobs.enqueue({ eventId: lastEvent?.id ?? 0, kind, template, userId, enterpriseId, nextRunAt: Date.now(), payload });
  await store.audit.append({ actor: 'reconcile', entityType: 'subscriber', entityId: userId, action: kind, after: { jobId: id, ...payload } });
  report.jobsQueued++;
  return id;
}

async function planUnits(store: Store, webex: WebexProvisioningApi, templates: Template[], enterprise: string | undefined): Promise<Unit[]> {
  const units: Unit[] = [];
  // Several templates may share one provisioningId (packages per enterprise): one listing each.
  const byProvisioningId = new Map<string, Template[]>();
  for (const t of templates.filter((x) => x.targetApi === 'broadworks')) {
    byProvisioningId.set(t.provisioningId, [...(byProvisioningId.get(t.provisioningId) ?? []), t]);
  }
  for (const [provisioningId, group] of byProvisioningId) {
    units.push({
      name: `broadworks ${group.map((t) => t.name).join('+')}${enterprise ? ` / ${enterprise}` : ''}`,
      templates: group,
      enterpriseId: enterprise,
      listWebex: async () => {
        const res = await webex.broadworks.listSubscribers(compact({ provisioningId, spEnterpriseId: enterprise }), compact({ enterpriseId: enterprise }));
        return res.data.map(fromBroadworks);
      },
    });
  }
  for (const t of templates.filter((x) => x.targetApi === 'wholesale')) {
    const customers = enterprise
      ? [await store.customers.get(enterprise)].filter((c) => c && c.template === t.name)
      : await store.customers.list({ template: t.name, limit: 100_000 });
    for (const c of customers) {
      units.push({
        name: `wholesale ${t.name} / ${c!.enterpriseId}`,
        templates: [t],
        enterpriseId: c!.enterpriseId,
        listWebex: async () => {
          const filter = c!.webexCustomerId ? { customerId: c!.webexCustomerId } : { externalCustomerId: c!.enterpriseId };
          const res = await webex.wholesale.listSubscribers(filter, { enterpriseId: c!.enterpriseId });
          return res.data.map((w) => fromWholesale(w, c!.enterpriseId));
        },
      });
    }
  }
  return units;
}

function fromBroadworks(s: BroadworksSubscriber): WebexEntry {
  return compact({ id: s.id, userId: s.userId, email: s.email, enterpriseId: s.spEnterpriseId, status: s.status, errors: s.errors });
}

function fromWholesale(s: WholesaleSubscriber, enterpriseId: string): WebexEntry {
  return compact({ id: s.id, email: s.email, enterpriseId: s.externalCustomerId ?? enterpriseId, status: s.status, errors: s.errors });
}

async function allSubscribers(store: Store, template: string, enterpriseId?: string): Promise<SubscriberRecord[]> {
  const out: SubscriberRecord[] = [];
  for (let offset = 0; ;) {
    const page = await store.subscribers.list(compact({ template, enterpriseId, limit: 1000, offset }));
    out.push(...page);
    if (page.length < 1000) return out;
    offset += page.length;
  }
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;
}
