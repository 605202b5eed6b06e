import { ensureDistFresh } from '../global-setup';
import { describePostgres } from '../helpers/postgres';
import { startSimulatorProcess, type SimulatorProcess } from '../helpers/simulator-process';
import { makeTempDir } from '../helpers/temp-dir';
import {
  adminGet,
  busiestSecond,
  flowThroughXml,
  killInstance,
  sendUntilAcknowledged,
  startInstance,
  stopInstance,
  writeInstanceConfig,
  type Command,
  type Instance,
} from './deployment-kit';

/**
 * Issue 14's chaos test: three instances of the compiled product on one PostgreSQL schema, the
 * simulator in its own process. 2,000 assigns, modifies and unassigns for 500 users are spread
 * over the three (each user's requests one after another, as an AS sends them). One instance is
 * SIGKILLed mid-burst, another mid-drain; the last one finishes their work once their leases
 * expire.
 */
const USERS = 500;
const WHOLESALE_ENTERPRISES = 10;
const LIMIT = 100;
// Each instance may hold one batch of the shared budget beyond the row (token-bucket.ts).
const TOLERANCE = 3 * 5;

interface Plan {
  user: string;
  template: 'bw' | 'ws';
  enterprise: string;
  steps: Array<{ kind: Command; lastName: string }>;
}

function plan(): Plan[] {
  const plans: Plan[] = [];
  for (let i = 0; i < USERS; i++) {
    const wholesale = i % 2 === 1;
    const steps: Plan['steps'] = [
      { kind: 'add', lastName: 'L0' },
      { kind: 'modify', lastName: 'L1' },
      { kind: 'modify', lastName: 'L2' },
      i % 4 < 2 ? { kind: 'modify', lastName: 'L3' } : { kind: 'delete', lastName: '' },
    ];
    plans.push({
      user: `c${i}@voip.example.net`,
      template: wholesale ? 'ws' : 'bw',
      enterprise: wholesale ? `chaos-ws-${Math.floor(i / 2) % WHOLESALE_ENTERPRISES}` : 'chaos-bw',
      steps,
    });
  }
  return plans;
}

describePostgres('three instances on one PostgreSQL, SIGKILLed mid-burst and mid-drain', (pg) => {
  let sim: SimulatorProcess;
  let temp: ReturnType<typeof makeTempDir>;
  const instances: Instance[] = [];
  beforeAll(ensureDistFresh, 180_000);
  afterAll(async () => {
    for (const i of instances) if (i.alive) await stopInstance(i).catch(() => undefined);
    await sim?.close();
    temp?.cleanup();
  });

  test('every acknowledged event ends once, in per-user order, one customer per enterprise, within the shared rate', async () => {
    temp = makeTempDir('impb-chaos-');
    sim = await startSimulatorProcess({
      token: 'chaos-sim-token-0123456789',
      provisioningDelayMs: 30,
      customerProvisioningDelayMs: 80,
      requestLogLimit: 1_000_000,
    });
    const settings = {
      pg,
      root: temp.dir,
      webex: { baseUrl: sim.baseUrl, token: sim.token },
      pipeline: { ratePerSecond: LIMIT },
    };
    // The first instance creates the deployment; the others start on it together.
    instances.push(await startInstance(writeInstanceConfig(settings, 'a'), 'a'));
    instances.push(...(await Promise.all(['b', 'c'].map(async (n) => startInstance(writeInstanceConfig(settings, n), n, instances[0])))));

    const plans = plan();
    const deadline = Date.now() + 240_000;
    let acknowledged = 0;
    const turn = { next: 0 };
    const lanes = plans.map((p) => ({ p, step: 0 }));
    let cursor = 0;
    const lane = async () => {
      while (cursor < lanes.length) {
        const l = lanes[cursor++]!;
        for (const step of l.p.steps) {
          await sendUntilAcknowledged(instances, l.p.template, flowThroughXml(step.kind, l.p.user, step.lastName, l.p.enterprise), turn, deadline);
          acknowledged++;
          if (acknowledged === 800) void killInstance(instances[0]!);
        }
      }
    };
    await Promise.all(Array.from({ length: 40 }, lane));
    expect(acknowledged).toBe(USERS * 4);
    expect(instances[0]!.alive).toBe(false);

    // Mid-drain: once some of the queue is done, the second instance goes too.
    const pendingAfterBurst = (await adminGet<{ jobs: { queueDepth: number } }>(instances[2]!, '/overview')).jobs.queueDepth;
    while ((await adminGet<{ jobs: { queueDepth: number } }>(instances[2]!, '/overview')).jobs.queueDepth > pendingAfterBurst * 0.6 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await killInstance(instances[1]!);
    let overview = await adminGet<{
      jobs: { queueDepth: number; byState: Record<string, number> };
    }>(instances[2]!, '/overview');
    while (overview.jobs.queueDepth > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      overview = await adminGet(instances[2]!, '/overview');
    }
    expect(overview.jobs.queueDepth).toBe(0);
    // Each acknowledged event has its one job, ended done or coalesced into a later one of its user; none failed.
    const byState = overview.jobs.byState;
    expect({ ended: (byState.done ?? 0) + (byState.coalesced ?? 0), failed: byState.failed ?? 0 }).toEqual({ ended: USERS * 4, failed: 0 });

    const log = await sim.requestLog();
    const state = await sim.state();
    const stats = await sim.stats();
    const apiCalls = log.filter((e) => !e.path.includes('/_simulator') && e.status !== 0);
    const busiest = busiestSecond(apiCalls.map((e) => Date.parse(e.at)));
    process.stdout.write(
      `chaos: ${apiCalls.length} Webex calls, busiest second ${busiest} (limit ${LIMIT} + ${TOLERANCE}), 429s ${stats.rateLimited}, ` +
        `pending after burst ${pendingAfterBurst}, jobs ${JSON.stringify(overview.jobs.byState)}\n`,
    );

    // Every acknowledged event reached its end state exactly once, per user, in order.
    const byId = new Map<string, string>();
    for (const e of apiCalls) {
      const created = e.response as { id?: string } | undefined;
      const userId = (e.body as { userId?: string } | undefined)?.userId;
      if (e.method === 'POST' && userId && created?.id && e.status < 300) byId.set(created.id, userId);
    }
    const mutations = new Map<string, string[]>();
    for (const e of apiCalls) {
      if (e.method === 'GET' || e.status >= 300 || !e.path.includes('/broadworks/subscribers')) continue;
      const id = e.path.split('/').pop()!;
      const userId = e.method === 'POST' ? (e.body as { userId: string }).userId : byId.get(id);
      if (!userId) continue;
      mutations.set(userId, [...(mutations.get(userId) ?? []), e.method]);
    }
    const broadworks = new Map(state.broadworksSubscribers.map((s) => [s.userId as string, s]));
    for (const [i, p] of plans.entries()) {
      if (p.template !== 'bw') continue;
      const calls = mutations.get(p.user) ?? [];
      const deleted = p.steps[3]!.kind === 'delete';
      expect({
        user: p.user,
        creates: calls.filter((m) => m === 'POST').length,
      }).toEqual({
        user: p.user,
        creates: deleted && calls.length === 0 ? 0 : 1,
      });
      // Order: the create comes first, nothing after a delete.
      if (calls.length)
        expect({ user: p.user, first: calls[0] }).toEqual({
          user: p.user,
          first: 'POST',
        });
      if (calls.includes('DELETE'))
        expect({ user: p.user, last: calls[calls.length - 1] }).toEqual({
          user: p.user,
          last: 'DELETE',
        });
      if (deleted) expect(broadworks.get(p.user)).toBeUndefined();
      else
        expect({ i, subscriber: broadworks.get(p.user) }).toMatchObject({
          i,
          subscriber: { status: 'provisioned', lastName: 'L3' },
        });
    }
    // Exactly one customer per new Wholesale enterprise, however many instances raced for it.
    expect(stats.creates.customers).toBe(WHOLESALE_ENTERPRISES);
    expect(new Set(state.customers.map((c) => c.externalId)).size).toBe(WHOLESALE_ENTERPRISES);
    const wholesaleLive = plans.filter((p) => p.template === 'ws' && p.steps[3]!.kind !== 'delete').length;
    expect(state.wholesaleSubscribers.length).toBe(wholesaleLive);
    expect(busiest).toBeLessThanOrEqual(LIMIT + TOLERANCE);
  }, 300_000);
});
