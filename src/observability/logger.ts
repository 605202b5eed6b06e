import winston from 'winston';
import { prettyLine } from './pretty-format';
import { currentRequestContext } from './request-context';
import { isSecretKey, REDACTED, redactValue } from './redaction';

export type Logger = winston.Logger;
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'json' | 'pretty';

const RESERVED = new Set(['level', 'message', 'timestamp']);

/**
 * Attaches the request id of the current async context and masks secrets in every field,
 * so a call site can never leak a password by logging the wrong object. Runs before either
 * output format, so json and pretty lines are redacted alike.
 */
const contextAndRedaction = winston.format((info) => {
  const ctx = currentRequestContext();
  if (ctx && info.requestId === undefined) info.requestId = ctx.requestId;
  for (const key of Object.keys(info)) {
    if (RESERVED.has(key) && key !== 'message') continue;
    const value = (info as Record<string, unknown>)[key];
    (info as Record<string, unknown>)[key] = isSecretKey(key) && value !== undefined && value !== '' ? REDACTED : redactValue(value);
  }
  return info;
});

const pretty = winston.format.printf((info) => prettyLine(info as Record<string, unknown>));

export interface CreateLoggerOptions {
  level?: LogLevel;
  /** json (one object per line, for collectors) or pretty (one readable line); default json. */
  format?: LogFormat;
  /** Extra transports (tests capture lines with a stream transport). */
  transports?: winston.transport[];
  silent?: boolean;
}

/** The logFormat in effect: the configured one, else pretty for a person at a terminal and json for everything else. */
export function resolveLogFormat(configured: LogFormat | undefined, isTty: boolean | undefined = process.stdout.isTTY): LogFormat {
  return configured ?? (isTty ? 'pretty' : 'json');
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent,
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      contextAndRedaction(),
      options.format === 'pretty' ? pretty : winston.format.json(),
    ),
    transports: options.transports ?? [new winston.transports.Console()],
  });
}

/** A logger that writes nothing: the default for factories when tests do not care. */
export function createSilentLogger(): Logger {
  return createLogger({ silent: true });
}
