import { once } from 'node:events';
import { captureLogger } from '../../helpers/capture-logger';
import { describePostgres } from '../../helpers/postgres';
import { withTransaction } from '../../../src/store/postgres/pool';

describePostgres('PostgreSQL pool', (pg) => {
  it('puts every connection on the suite schema, names the application and sets the statement timeout', async () => {
    const pool = pg.createPool({ poolSize: 3, statementTimeoutMs: 1_500, applicationName: 'impb-pool-test' });
    const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    try {
      for (const client of clients) {
        const { rows } = await client.query<{ schema: string; app: string; timeout: string }>(
          "SELECT current_schema() AS schema, current_setting('application_name') AS app, current_setting('statement_timeout') AS timeout",
        );
        expect(rows[0]).toEqual({ schema: pg.schema, app: 'impb-pool-test', timeout: '1500ms' });
      }
    } finally {
      clients.forEach((c) => c.release());
    }
    expect(pool.totalCount).toBe(3);
  });

  it('cancels a statement that runs longer than the statement timeout', async () => {
    const pool = pg.createPool({ statementTimeoutMs: 300 });
    await expect(pool.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
  });

  it('survives an idle connection killed by the server: logged, replaced, no crash', async () => {
    const { logger, lines } = captureLogger('warn');
    const pool = pg.createPool({ logger, applicationName: 'impb-idle-kill' });
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    client.release();
    const errored = once(pool, 'error');
    await pg.adminQuery('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await errored;
    expect(lines.some((l) => l.includes('store.postgres.idle_error'))).toBe(true);
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
  });

  it('survives a connection killed while checked out (mid unit of work): no uncaught error, its next statement fails, the pool recovers', async () => {
    const pool = pg.createPool({ applicationName: 'impb-busy-kill' });
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // Without a listener on the checked-out client, pg's 'error' event would be an uncaught exception.
    expect(client.listenerCount('error')).toBeGreaterThan(0);
    const errored = once(client, 'error');
    await pg.adminQuery('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await errored;
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(new Error('connection lost'));
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
  });

  it('withTransaction commits, and rolls back on an error', async () => {
    const pool = pg.createPool();
    await pool.query('CREATE TABLE tx_probe (n int)');
    await withTransaction(pool, (c) => c.query('INSERT INTO tx_probe VALUES (1)'));
    await expect(
      withTransaction(pool, async (c) => {
        await c.query('INSERT INTO tx_probe VALUES (2)');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await pool.query('SELECT n FROM tx_probe')).rows).toEqual([{ n: 1 }]);
  });
});
