export { createPgPool, withTransaction, type PgPool, type PgClient, type PgPoolOptions } from './pool';
export { migratePostgres, type MigrateResult } from './migrate';
export { PG_MIGRATIONS, type PgMigration } from './migrations';
export { createPgCallBudget, type PgCallBudgetOptions } from './token-bucket';
export { createLeaderLease, type LeaderLease, type LeaderLeaseOptions } from './leader-lease';
export { createInstanceRegistry, type InstanceRecord, type InstanceRegistry, type InstanceRegistryOptions } from './instances';
export { createWakeupListener, notifyWakeup, type WakeupListener, type WakeupListenerOptions } from './wakeups';
export { createPostgresStore, attachPostgresStore, type PostgresStore, type PostgresStoreOptions } from './postgres-store';
