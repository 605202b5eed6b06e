export * from './port';
export { createSqliteStore, STORE_FILE_NAME, type SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store';
