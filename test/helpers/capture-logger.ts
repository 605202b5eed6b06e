import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../src/observability';

/** A real logger (redaction included) whose JSON lines the test can read. */
export function captureLogger(level: 'error' | 'warn' | 'info' | 'debug' = 'debug'): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: createLogger({ level, transports: [new winston.transports.Stream({ stream })] }), lines, text: () => lines.join('\n') };
}
