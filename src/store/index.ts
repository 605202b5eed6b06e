export * from './port';
export { createSqliteStore, STORE_FILE_NAME, type SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store';
export { DEFAULT_CONFIG_CACHE_TTL_MS, withConfigCache, type ConfigCacheOptions, type ConfigCachedStore } from './config-cache';
export { openStore, type OpenedStore } from './open-store';
