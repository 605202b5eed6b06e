export * from './schema';
export { loadConfig, DEFAULT_CONFIG_PATH, type LoadedConfig, type LoadConfigOptions } from './load-config';
export { redactConfig } from './redact-config';
export { effectivePublicHostname, PUBLIC_HOSTNAME_DEFAULT_TEXT } from './public-hostname';
