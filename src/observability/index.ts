export { createLogger, createSilentLogger, resolveLogFormat, type Logger, type LogLevel, type LogFormat } from './logger';
export { serializeError, isOperationalError } from './serialize-error';
export { runWithRequestContext, currentRequestContext, currentActor, newRequestId, type RequestContext } from './request-context';
export { redactText, redactValue, registerSecret, registeredSecrets, isSecretKey, REDACTED } from './redaction';
export { createMetricsRegistry, type Registry } from './metrics';
