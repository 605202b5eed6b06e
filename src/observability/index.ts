export { createLogger, createSilentLogger, type Logger, type LogLevel } from './logger';
export { runWithRequestContext, currentRequestContext, currentActor, newRequestId, type RequestContext } from './request-context';
export { redactText, redactValue, registerSecret, isSecretKey, REDACTED } from './redaction';
export { createMetricsRegistry, type Registry } from './metrics';
