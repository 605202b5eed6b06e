import { describePostgres } from '../../helpers/postgres';
import { withTransaction } from '../../../src/store/postgres/pool';
import { createWakeupListener, notifyWakeup, type WakeupListener } from '../../../src/store/postgres/wakeups';

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describePostgres('LISTEN/NOTIFY wake-ups', (pg) => {
  const listeners: WakeupListener[] = [];
  afterAll(async () => {
    await Promise.all(listeners.map((l) => l.close()));
  });
  // Channels are database-wide: named after the suite's schema so parallel suites do not cross.
  const channel = (suffix: string) => `${pg.schema}_${suffix}`;

  function listen(name: string, wakes: Array<string | undefined>, appName: string): WakeupListener {
    const listener = createWakeupListener({
      clientConfig: { ...pg.clientConfig(), application_name: appName },
      channel: name,
      onWake: (payload) => wakes.push(payload),
      logger: pg.logger,
      initialBackoffMs: 50,
      maxBackoffMs: 400,
    });
    listeners.push(listener);
    listener.start();
    return listener;
  }

  it('a notify wakes the listener; a notify in a rolled-back transaction does not', async () => {
    const wakes: Array<string | undefined> = [];
    const listener = listen(channel('work'), wakes, 'impb-wake-1');
    await until(() => listener.isListening());
    const pool = pg.createPool({ poolSize: 1 });
    await notifyWakeup(pool, channel('work'), 'lane-42');
    await until(() => wakes.length === 1);
    expect(wakes).toEqual(['lane-42']);
    await expect(
      withTransaction(pool, async (c) => {
        await notifyWakeup(c, channel('work'), 'never');
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await notifyWakeup(pool, channel('other'), 'not mine');
    await notifyWakeup(pool, channel('work'), 'second');
    await until(() => wakes.length === 2);
    expect(wakes).toEqual(['lane-42', 'second']);
  });

  it('reconnects after its connection is killed (pg_terminate_backend), wakes once for what it may have missed, and hears notifies again', async () => {
    const wakes: Array<string | undefined> = [];
    const listener = listen(channel('kill'), wakes, 'impb-wake-kill');
    await until(() => listener.isListening());
    const killed = await pg.adminQuery<{ killed: boolean }>(
      "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = 'impb-wake-kill'",
    );
    expect(killed).toEqual([{ killed: true }]);
    await until(() => listener.reconnects() === 1 && listener.isListening());
    expect(wakes).toEqual([undefined]);
    const pool = pg.createPool({ poolSize: 1 });
    await notifyWakeup(pool, channel('kill'), 'after');
    await until(() => wakes.length === 2);
    expect(wakes).toEqual([undefined, 'after']);
  });

  it('keeps retrying with backoff while the server refuses, without crashing', async () => {
    const wakes: Array<string | undefined> = [];
    const listener = createWakeupListener({
      clientConfig: { host: '127.0.0.1', port: 1, user: 'postgres', database: 'test' },
      channel: 'impb_unreachable',
      onWake: (p) => wakes.push(p),
      logger: pg.logger,
      initialBackoffMs: 20,
      maxBackoffMs: 80,
    });
    listeners.push(listener);
    listener.start();
    await new Promise((r) => setTimeout(r, 400));
    expect(listener.isListening()).toBe(false);
    expect(wakes).toEqual([]);
    await listener.close();
  });

  it('refuses a channel name that would need quoting', () => {
    expect(() => createWakeupListener({ clientConfig: {}, channel: 'work; DROP TABLE x', onWake: () => undefined, logger: pg.logger })).toThrow(
      /lower-case letters/,
    );
  });
});
