import winston from 'winston';
import { ERROR_DEFINITIONS } from '../errors';
import { prettyLine } from './pretty-format';
import { serializeError } from './serialize-error';
import { currentRequestContext } from './request-context';
import { isSecretKey, REDACTED, redactValue } from './redaction';

export type Logger = winston.Logger;
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'json' | 'pretty';

const RESERVED = new Set(['level', 'message', 'timestamp']);
/** winston's level key on every line (triple-beam's LEVEL, a registered symbol). */
const LEVEL = Symbol.for('level');

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

/**
 * `logger.warn(err)` hands winston the error itself, and `logger.warn('text', err)` copies its
 * own fields (details and facts, a stack) onto the line: both become one `err` field serialized
 * like any other (serializeError), so an expected error never prints its stack or facts twice.
 */
const errorAsField = winston.format((info) => {
  const record = info as Record<string | symbol, unknown>;
  if (info instanceof Error) {
    const line: Record<string | symbol, unknown> = { level: info.level, message: info.message, err: info };
    line[LEVEL] = record[LEVEL];
    return line as winston.Logform.TransformableInfo;
  }
  if (typeof record.stack === 'string' && typeof record.code === 'string' && record.code in ERROR_DEFINITIONS && record.code !== 'IMPB_ERR_INTERNAL') {
    delete record.stack;
    if (record.details !== undefined) delete record.facts;
    if (record.cause instanceof Error) record.cause = serializeError(record.cause, 1, true);
  }
  return info;
});

const pretty = winston.format.printf((info) => prettyLine(info));

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

type LevelMethod = (this: Logger, ...args: unknown[]) => Logger;

/**
 * winston runs every format (each field redacted, the line serialized) before its transport
 * drops a line below the level. Each level method here returns at once for such a line, so a
 * proxy at `warn` does not pay for the info line of every request.
 */
function skipDisabledLevels(logger: Logger): Logger {
  const methods = logger as unknown as Record<'warn' | 'info' | 'debug', LevelMethod>;
  for (const level of ['warn', 'info', 'debug'] as const) {
    const write = methods[level];
    methods[level] = function (this: Logger, ...args: unknown[]) {
      return this.silent || !this.isLevelEnabled(level) ? this : write.apply(this, args);
    };
  }
  return logger;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  return skipDisabledLevels(
    winston.createLogger({
      level: options.level ?? 'info',
      silent: options.silent,
      format: winston.format.combine(
        errorAsField(),
        winston.format.timestamp(),
        contextAndRedaction(),
        options.format === 'pretty' ? pretty : winston.format.json(),
      ),
      transports: options.transports ?? [new winston.transports.Console()],
    }),
  );
}

/** A logger that writes nothing: the default for factories when tests do not care. */
export function createSilentLogger(): Logger {
  return createLogger({ silent: true });
}
