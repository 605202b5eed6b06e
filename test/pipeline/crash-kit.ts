import type { ChildProcess } from 'node:child_process';
import type Database from 'better-sqlite3';
import type { SimUnderTest } from './sim-harness';

/**
 * The kill -9 runs of crash.test.ts (the store and worker behind a tiny ingest endpoint) and
 * crash-product.test.ts (the whole product behind its mTLS endpoint): the same plan of 2,000
 * requests, the same sender that re-sends what was not acknowledged, the same kill, and the
 * same readings of the simulator and the store afterwards. Each test keeps its assertions.
 */

export type Step = 'assign' | 'modify' | 'unassign';

/** Every request of the plan has a key; a key is acknowledged once. */
export interface Keyed {
  key: string;
}

/** The last name each step carries: the end state tells a modified user from one only assigned. */
export const LAST_NAME: Record<Step, string> = { assign: 'First', modify: 'Second', unassign: '' };

export const PLAN_USERS = 1400;

/**
 * 1,400 users (`userOf(i)`): all assigned, the first 300 then modified, the next 300 then
 * unassigned: 2,000 requests, made by `request` in order per user.
 */
export function crashPlan<R extends Keyed>(userOf: (i: number) => string, request: (user: string, step: Step, key: string) => R): Map<string, R[]> {
  const perUser = new Map<string, R[]>();
  for (let i = 0; i < PLAN_USERS; i++) {
    const user = userOf(i);
    const list = [request(user, 'assign', `${user}#0`)];
    if (i < 300) list.push(request(user, 'modify', `${user}#1`));
    else if (i < 600) list.push(request(user, 'unassign', `${user}#1`));
    perUser.set(user, list);
  }
  return perUser;
}

/** A request somewhere between 300 and 1,700 acknowledged: the moment of the kill. */
export const randomKillPoint = (): number => 300 + Math.floor(Math.random() * 1400);

/**
 * Sends, over 40 lanes, each user's requests in order that `acked` does not hold yet, adding
 * each key once `sendOne` resolves. On a failure a lane stops (`stopOnError`: the process is
 * being killed) or the send rejects.
 */
export async function sendUnacknowledged<R extends Keyed>(
  perUser: Map<string, R[]>,
  acked: Set<string>,
  sendOne: (request: R) => Promise<void>,
  stopOnError: boolean,
): Promise<void> {
  const users = [...perUser.keys()];
  let cursor = 0;
  const lane = async () => {
    while (cursor < users.length) {
      const user = users[cursor++]!;
      for (const r of perUser.get(user)!) {
        if (acked.has(r.key)) continue;
        try {
          await sendOne(r);
          acked.add(r.key);
        } catch (err) {
          if (stopOnError) return;
          throw err;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 40 }, lane));
}

/** Runs `send` while SIGKILLing `child` as soon as `acked` holds `killAfter` keys (or once `send` is done); resolves when the child is gone. */
export async function sendThroughKill(child: ChildProcess, acked: Set<string>, killAfter: number, send: () => Promise<void>): Promise<void> {
  const killer = setInterval(() => {
    if (acked.size >= killAfter) {
      clearInterval(killer);
      child.kill('SIGKILL');
    }
  }, 2);
  await send();
  clearInterval(killer);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
}

/** Successful POSTs per user id at the simulator: a second create of one user would count 2 (a refused one shows as error 10022). */
export function createsPerUser(s: SimUnderTest): Map<string, number> {
  const posts = new Map<string, number>();
  for (const e of s.sim.requestLog) {
    const userId = (e.body as { userId?: string } | undefined)?.userId;
    if (e.method === 'POST' && userId && e.status >= 200 && e.status < 300) posts.set(userId, (posts.get(userId) ?? 0) + 1);
  }
  return posts;
}

/** The Webex for BroadWorks subscribers the simulator holds now, by user id. */
export function liveSubscribers(s: SimUnderTest): Map<string, Record<string, unknown>> {
  return new Map([...s.sim.state.broadworksSubscribers.values()].map((x) => [x.userId as string, x]));
}

/** Per stored event: how many jobs it has and their states. */
export function jobsPerEvent(db: Database.Database): Array<{ key: string; jobs: number; states: string }> {
  return db
    .prepare(
      'SELECT e.request_id AS key, COUNT(j.id) AS jobs, GROUP_CONCAT(j.state) AS states FROM inbound_events e LEFT JOIN jobs j ON j.event_id = e.id GROUP BY e.id',
    )
    .all() as Array<{ key: string; jobs: number; states: string }>;
}
