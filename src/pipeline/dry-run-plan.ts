import type { PlannedCall, ProvisioningEvent, Template } from '../domain';
import type { CustomerRecord, Job, Store, SubscriberRecord } from '../store/port';
import { applyJob } from './apply-job';
import { createCustomerOnboarding, type CustomerOnboarding } from './customer-onboarding';
import { newWholesaleWorld, recordingWholesaleApi, type DryWholesaleWorld } from './dry-run-wholesale';
import { commitSubscriber, type JobOutcome, type JobRun, type PipelineSettings } from './job-run';
import type { BroadworksSubscriber, BroadworksSubscriberCreate, BroadworksSubscriberUpdate, WebexProvisioningApi, WebexResult } from './webex-port';

const BW = '/broadworks/subscribers';

/**
 * What the dry run believes Webex and the subscriber records hold: only what earlier dry runs of
 * the same template created, so a modify after an add is planned as the PUT provision mode would send.
 */
interface DryWorld {
  subscribers: Map<string, BroadworksSubscriber>;
  records: Map<string, SubscriberRecord>;
  customerRecords: Map<string, CustomerRecord>;
  wholesale: DryWholesaleWorld;
  /** The calls of the plan being made (the port and the customer onboarding are kept per world). */
  calls: PlannedCall[];
  /** The dry run's own clock: a customer still being created is waited for by moving it on. */
  clock: number;
  api?: WebexProvisioningApi;
  customers?: CustomerOnboarding;
}

const ok = <T>(data: T, httpStatus = 200): WebexResult<T> => ({ data, httpStatus, trackingId: 'dry-run' });

/** A Webex port that answers from the dry world and writes down every call instead of sending it. */
function recordingApi(world: DryWorld): WebexProvisioningApi {
  const calls = { push: (c: PlannedCall) => world.calls.push(c) };
  const refuse = (operation: string) => () => Promise.reject(new Error(`${operation}: not planned in a dry run`));
  return {
    people: {
      getPerson(personId) {
        calls.push({ operation: 'people.getPerson', method: 'GET', path: `/people/${personId}` });
        return Promise.resolve(ok({ id: personId, orgId: 'dry-run-org' } as never));
      },
    },
    broadworks: {
      listSubscribers(filter) {
        calls.push({ operation: 'broadworks.listSubscribers', method: 'GET', path: BW, body: { ...filter } });
        const found = [...world.subscribers.values()].filter((s) => s.userId === filter.userId);
        return Promise.resolve(ok(found));
      },
      createSubscriber(body: BroadworksSubscriberCreate) {
        calls.push({ operation: 'broadworks.createSubscriber', method: 'POST', path: BW, body });
        const created: BroadworksSubscriber = {
          ...body,
          id: `dry-run-${body.userId}`,
          personId: `dry-run-person-${body.userId}`,
          status: 'provisioned',
        };
        world.subscribers.set(body.userId, created);
        return Promise.resolve(ok(created, 201));
      },
      getSubscriber(id) {
        calls.push({ operation: 'broadworks.getSubscriber', method: 'GET', path: `${BW}/${id}` });
        const found = [...world.subscribers.values()].find((s) => s.id === id);
        return Promise.resolve(ok(found ?? ({ id, status: 'provisioned' } as BroadworksSubscriber)));
      },
      updateSubscriber(id, body: BroadworksSubscriberUpdate) {
        calls.push({ operation: 'broadworks.updateSubscriber', method: 'PUT', path: `${BW}/${id}`, body });
        const found = [...world.subscribers.values()].find((s) => s.id === id);
        const updated = { ...(found ?? { id }), ...body, status: 'provisioned' } as BroadworksSubscriber;
        if (found) world.subscribers.set(found.userId, updated);
        return Promise.resolve(ok(updated));
      },
      deleteSubscriber(id) {
        calls.push({ operation: 'broadworks.deleteSubscriber', method: 'DELETE', path: `${BW}/${id}` });
        for (const [userId, s] of world.subscribers) if (s.id === id) world.subscribers.delete(userId);
        return Promise.resolve(ok(undefined, 204));
      },
      precheck: refuse('broadworks.precheck'),
    },
    wholesale: recordingWholesaleApi(world.wholesale, () => world.calls),
  };
}

/** The store as the job code sees it in a dry run: subscriber records live in the dry world only. */
function dryStore(store: Store, world: DryWorld): Store {
  const subscribers = {
    ...store.subscribers,
    get: (userId: string) => Promise.resolve(world.records.get(userId)),
    upsert: (record: Omit<SubscriberRecord, 'createdAt' | 'updatedAt' | 'lastStatusChange'>) => {
      const saved = { ...record, createdAt: 0, updatedAt: 0 } as SubscriberRecord;
      world.records.set(record.userId, saved);
      return Promise.resolve(saved);
    },
  };
  const customers = {
    ...store.customers,
    get: (enterpriseId: string) => Promise.resolve(world.customerRecords.get(enterpriseId)),
    upsert: (record: Omit<CustomerRecord, 'createdAt' | 'updatedAt'>) => {
      const saved = { ...world.customerRecords.get(record.enterpriseId), ...record, createdAt: 0, updatedAt: 0 };
      world.customerRecords.set(record.enterpriseId, saved);
      return Promise.resolve(saved);
    },
    // The dry world has one planner: its creation claim is always won, and never written to the store.
    claimCreation: () => Promise.resolve(true),
    releaseCreation: () => Promise.resolve(),
  };
  // The job code notes some outcomes in the audit trail (a Wholesale email it cannot change): a dry run writes none.
  const audit = { ...store.audit, append: () => Promise.resolve(0) };
  const dry: Record<string | symbol, unknown> = { subscribers, customers, audit };
  return new Proxy(store, {
    get: (target, key, receiver): unknown => (key in dry ? dry[key] : Reflect.get(target, key, receiver)),
  });
}

function jobFor(template: Template, event: ProvisioningEvent): Job {
  return {
    id: 0,
    eventId: 0,
    kind: event.kind,
    template: template.name,
    userId: event.userId,
    enterpriseId: event.enterpriseId,
    state: 'running',
    attempts: 0,
    nextRunAt: 0,
    createdAt: 0,
    updatedAt: 0,
    lookupFirst: false,
    payload: { event },
  };
}

/**
 * The Webex calls provision mode would make for these events, computed by the pipeline's own
 * job code (applyJob) against a Webex that only writes the calls down: no call leaves the
 * process, no subscriber record or job changes. One step per job: the status polls after it are
 * not part of the plan. BroadWorks and Wholesale templates (a Wholesale customer the enterprise
 * does not have yet is planned once, with its creation).
 */
export function createDryRunPlanner(deps: { store: Store; settings: PipelineSettings; now?: () => number }) {
  const worlds = new Map<string, DryWorld>();
  const worldOf = (template: Template): DryWorld => {
    let world = worlds.get(template.name);
    if (!world) {
      world = {
        subscribers: new Map(),
        records: new Map(),
        customerRecords: new Map(),
        wholesale: newWholesaleWorld(),
        calls: [],
        clock: (deps.now ?? Date.now)(),
      };
      const w = world;
      w.api = recordingApi(w);
      w.customers = createCustomerOnboarding({ store: dryStore(deps.store, w), api: w.api, settings: deps.settings, now: () => w.clock });
      worlds.set(template.name, w);
    }
    return world;
  };
  return async (template: Template, events: ProvisioningEvent[]): Promise<PlannedCall[]> => {
    const world = worldOf(template);
    world.calls = [];
    for (const event of events) {
      // A password-only modify is acknowledged without a Webex call, as the worker does.
      if (event.passwordOnly) continue;
      const run: JobRun = {
        job: jobFor(template, event),
        template,
        api: world.api!,
        store: dryStore(deps.store, world),
        settings: deps.settings,
        customers: world.customers!,
        call: { userId: event.userId, enterpriseId: event.enterpriseId },
        record: world.records.get(event.userId),
        now: () => world.clock,
      };
      await runUntilSent(run, world);
    }
    return world.calls;
  };
}

/**
 * One job step as provision mode takes it; a Wholesale job that waits for its customer is run
 * again once the wait is over (the dry clock moves on), as the worker would, so the plan holds
 * the customer's creation and the subscriber's. Status polls are not part of the plan.
 */
async function runUntilSent(run: JobRun, world: DryWorld): Promise<void> {
  for (let step = 0; step < 10; step++) {
    const outcome: JobOutcome = await applyJob(run);
    // The record the step left goes to the dry world only (dryStore), as the worker would commit it.
    await commitSubscriber(run, run.store);
    if (outcome.type !== 'later' || !outcome.payload.waitingForCustomer) return;
    world.clock += outcome.delayMs;
    run.job = { ...run.job, payload: outcome.payload };
  }
}
