import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client, type ClientConfig } from 'pg';
import { createSilentLogger, type Logger } from '../../src/observability';
import { createPgPool, type PgPool, type PgPoolOptions } from '../../src/store/postgres/pool';

/**
 * PostgreSQL for tests: `IMP_BRIDGE_TEST_DATABASE_URL` (default: the machine's server). Each
 * suite gets a fresh schema of its own (so suites run in parallel) and drops it afterwards.
 * Where no server answers, the suite is skipped with one loud line, unless
 * `IMP_BRIDGE_REQUIRE_POSTGRES=1` (CI), where it fails.
 */
export const TEST_DATABASE_URL = process.env.IMP_BRIDGE_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface PgTestContext {
  url: string;
  /** This suite's schema (`impb_t_<random>`). */
  schema: string;
  /** libpq options that put every connection on the suite's schema. */
  options: string;
  /** A pool on the suite's schema; closed after the suite. */
  createPool(overrides?: Partial<PgPoolOptions>): PgPool;
  /** Connection settings on the suite's schema, for dedicated clients (LISTEN). */
  clientConfig(): ClientConfig;
  /** A query on a connection of its own, outside any pool of the suite (e.g. pg_terminate_backend). */
  adminQuery<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  logger: Logger;
}

const REACHABLE_ENV = '__IMPB_TEST_POSTGRES_REACHABLE';

/**
 * Asked once per worker process, synchronously (describe blocks are synchronous), in a child
 * process so that a server that does not answer costs at most the timeout.
 */
function probe(): { ok: boolean; reason: string } {
  const cached = process.env[REACHABLE_ENV];
  if (cached !== undefined) return { ok: cached === 'ok', reason: cached };
  const script = `const {Client}=require('pg');const c=new Client({connectionString:process.argv[1],connectionTimeoutMillis:3000});c.connect().then(()=>c.query('select 1')).then(()=>{process.stdout.write('ok');return c.end()}).catch(e=>{process.stdout.write(String(e.message||e));process.exit(1)})`;
  const out = spawnSync(process.execPath, ['-e', script, TEST_DATABASE_URL], { encoding: 'utf8', timeout: 8_000, cwd: __dirname });
  const reason = out.status === 0 ? 'ok' : (out.stdout || out.stderr || `no answer (${out.signal ?? out.status})`).trim().split('\n')[0]!;
  process.env[REACHABLE_ENV] = reason;
  return { ok: reason === 'ok', reason };
}

function redactedUrl(): string {
  return TEST_DATABASE_URL.replace(/^([a-z]+:\/\/[^:/?#@]*:)[^/?#]*@/i, '$1***@');
}

/** `describe` for suites that need PostgreSQL; `fn` receives the suite's context (filled in beforeAll). */
export function describePostgres(name: string, fn: (pg: PgTestContext) => void): void {
  const { ok, reason } = probe();
  if (!ok) {
    if (process.env.IMP_BRIDGE_REQUIRE_POSTGRES === '1') {
      describe(name, () => {
        it('needs PostgreSQL (IMP_BRIDGE_REQUIRE_POSTGRES=1)', () => {
          throw new Error(`PostgreSQL at ${redactedUrl()} is not reachable: ${reason}`);
        });
      });
      return;
    }
    console.warn(
      `SKIPPED "${name}": no PostgreSQL at ${redactedUrl()} (${reason}); set IMP_BRIDGE_TEST_DATABASE_URL, or IMP_BRIDGE_REQUIRE_POSTGRES=1 to fail instead`,
    );
    describe.skip(name, () => fn({} as PgTestContext));
    return;
  }
  describe(name, () => {
    const schema = `impb_t_${randomBytes(6).toString('hex')}`;
    const options = `-c search_path=${schema}`;
    const pools: PgPool[] = [];
    const logger = createSilentLogger();
    const adminQuery: PgTestContext['adminQuery'] = async (sql, params) => {
      const client = new Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    };
    const ctx: PgTestContext = {
      url: TEST_DATABASE_URL,
      schema,
      options,
      logger,
      createPool: (overrides = {}) => {
        const pool = createPgPool({ url: TEST_DATABASE_URL, poolSize: 5, statementTimeoutMs: 10_000, logger, options, ...overrides });
        pools.push(pool);
        return pool;
      },
      clientConfig: () => ({ connectionString: TEST_DATABASE_URL, options }),
      adminQuery,
    };
    // Suites create and drop their schemas in parallel; PostgreSQL may pick one of two catalog
    // writers as a deadlock victim (40P01): that statement is simply run again.
    const schemaDdl = async (sql: string) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await adminQuery(sql);
        } catch (err) {
          if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    };
    beforeAll(async () => {
      await schemaDdl(`CREATE SCHEMA ${schema}`);
    });
    afterAll(async () => {
      await Promise.all(pools.splice(0).map((p) => p.end().catch(() => undefined)));
      await schemaDdl(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });
    fn(ctx);
  });
}
