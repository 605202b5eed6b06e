import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, redactConfig } from '../../src/config';
import { captureLogger } from '../helpers/capture-logger';
import { problemsOf } from '../helpers/config-problems';
import { tempDirPerTest } from '../helpers/temp-dir';

const MAIN = path.resolve(__dirname, '..', '..', 'dist', 'main.js');
const URL_WITH_PASSWORD = 'postgres://imp:db-secret-password@db.example.net:5432/imp_bridge';

describe('store configuration', () => {
  const temp = tempDirPerTest();

  it('defaults to the embedded SQLite store', () => {
    const { config } = loadConfig({ env: {}, cwd: temp.dir });
    expect(config.store).toEqual({ kind: 'sqlite', postgres: { poolSize: 10, statementTimeoutMs: 15_000 } });
  });

  it('reads the kind and URL from IMP_BRIDGE_STORE_KIND and IMP_BRIDGE_DATABASE_URL, pool settings from the file', () => {
    const { config } = loadConfig({
      env: { IMP_BRIDGE_STORE_KIND: 'sqlite', IMP_BRIDGE_DATABASE_URL: URL_WITH_PASSWORD },
      cwd: temp.dir,
      overrides: { store: { postgres: { poolSize: '4', statementTimeoutMs: 2500 } } },
    });
    expect(config.store).toEqual({ kind: 'sqlite', postgres: { url: URL_WITH_PASSWORD, poolSize: 4, statementTimeoutMs: 2500 } });
  });

  it('accepts store.kind postgres with a URL, and refuses it without one, naming the variable', () => {
    const { config } = loadConfig({ env: { IMP_BRIDGE_STORE_KIND: 'postgres', IMP_BRIDGE_DATABASE_URL: URL_WITH_PASSWORD }, cwd: temp.dir });
    expect(config.store).toEqual({ kind: 'postgres', postgres: { url: URL_WITH_PASSWORD, poolSize: 10, statementTimeoutMs: 15_000 } });
    const withoutUrl = problemsOf(() => loadConfig({ env: { IMP_BRIDGE_STORE_KIND: 'postgres' }, cwd: temp.dir }));
    expect(withoutUrl).toEqual([expect.stringMatching(/^store\.postgres\.url: required when store\.kind is postgres \(set IMP_BRIDGE_DATABASE_URL\)/)]);
  });

  it('refuses an unknown kind and a URL that is not postgres://, without echoing its password', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { IMP_BRIDGE_STORE_KIND: 'mysql', IMP_BRIDGE_DATABASE_URL: 'mysql://imp:db-secret-password@db/x' }, cwd: temp.dir }),
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'store.kind (from IMP_BRIDGE_STORE_KIND)',
      'store.postgres.url (from IMP_BRIDGE_DATABASE_URL)',
    ]);
    expect(problems.join('\n')).toContain('mysql://imp:[REDACTED]@db/x');
    expect(problems.join('\n')).not.toContain('db-secret-password');
  });

  it('masks the password of the database URL in the effective config and in log lines', () => {
    const { config } = loadConfig({ env: { IMP_BRIDGE_DATABASE_URL: `${URL_WITH_PASSWORD}?sslmode=require&password=query-secret-password` }, cwd: temp.dir });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).toContain('postgres://imp:[REDACTED]@db.example.net:5432/imp_bridge?sslmode=require&password=[REDACTED]');
    const { logger, text } = captureLogger();
    logger.error('cannot connect', { detail: `connect ECONNREFUSED for ${URL_WITH_PASSWORD}`, err: new Error(`bad ${URL_WITH_PASSWORD}`) });
    expect(text()).not.toContain('db-secret-password');
    expect(text()).toContain('postgres://imp:[REDACTED]@db.example.net:5432/imp_bridge');
    expect(shown + text()).not.toMatch(/query-secret-password|db-secret-password/);
  });

  it('npm start with IMP_BRIDGE_STORE_KIND=postgres and no URL exits 2 before touching the data dir', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, IMP_BRIDGE_STORE_KIND: 'postgres', IMP_BRIDGE_DATA_DIR: temp.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/store\.postgres\.url: required when store\.kind is postgres \(set IMP_BRIDGE_DATABASE_URL\)/);
    expect(fs.readdirSync(temp.dir)).toEqual([]);
  });
});
