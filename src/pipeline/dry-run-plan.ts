import type { PlannedCall, ProvisioningEvent, Template } from '../domain';
import type { Job, Store, SubscriberRecord } from '../store/port';
import { applyJob } from './apply-job';
import type { CustomerOnboarding } from './customer-onboarding';
import type { JobOutcome, JobRun, PipelineSettings } from './job-run';
import type { BroadworksSubscriber, BroadworksSubscriberCreate, BroadworksSubscriberUpdate, WebexProvisioningApi, WebexResult } from './webex-port';

const BW = '/broadworks/subscribers';

/**
 * What the dry run believes Webex and the subscriber records hold: only what earlier dry runs of
 * the same template created, so a modify after an add is planned as the PUT provision mode would send.
 */
interface DryWorld {
  subscribers: Map<string, BroadworksSubscriber>;
  records: Map<string, SubscriberRecord>;
}

const ok = <T>(data: T, httpStatus = 200): WebexResult<T> => ({ data, httpStatus, trackingId: 'dry-run' });

/** A Webex port that answers from the dry world and writes down every call instead of sending it. */
function recordingApi(world: DryWorld, calls: PlannedCall[]): WebexProvisioningApi {
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
    // Wholesale plans need the customer onboarding state machine; not planned yet (see README).
    wholesale: new Proxy({} as WebexProvisioningApi['wholesale'], {
      get: (_t, key) => refuse(`wholesale.${String(key)}`),
    }),
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
  return new Proxy(store, {
    get: (target, key, receiver): unknown => (key === 'subscribers' ? subscribers : Reflect.get(target, key, receiver)),
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
 * not part of the plan. BroadWorks templates only.
 */
export function createDryRunPlanner(deps: { store: Store; settings: PipelineSettings; now?: () => number }) {
  const worlds = new Map<string, DryWorld>();
  const noCustomers = {} as CustomerOnboarding;
  return async (template: Template, events: ProvisioningEvent[]): Promise<PlannedCall[]> => {
    if (template.targetApi === 'wholesale') return [];
    let world = worlds.get(template.name);
    if (!world) worlds.set(template.name, (world = { subscribers: new Map(), records: new Map() }));
    const calls: PlannedCall[] = [];
    for (const event of events) {
      // A password-only modify is acknowledged without a Webex call, as the worker does.
      if (event.passwordOnly) continue;
      const run: JobRun = {
        job: jobFor(template, event),
        template,
        api: recordingApi(world, calls),
        store: dryStore(deps.store, world),
        settings: deps.settings,
        customers: noCustomers,
        call: { userId: event.userId, enterpriseId: event.enterpriseId },
        record: world.records.get(event.userId),
        now: deps.now ?? Date.now,
      };
      const outcome: JobOutcome = await applyJob(run);
      void outcome;
    }
    return calls;
  };
}
