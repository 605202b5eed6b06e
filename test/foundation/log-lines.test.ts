import { Writable } from 'node:stream';
import winston from 'winston';
import { loadConfig } from '../../src/config';
import { ImpbError, WebexError } from '../../src/errors';
import { createLogger, registerSecret, resolveLogFormat, type LogFormat } from '../../src/observability';
import { captureLogger } from '../helpers/capture-logger';

function unauthorized(): WebexError {
  const socketError = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
  return new WebexError(
    'IMPB_ERR_WEBEX_UNAUTHORIZED',
    {
      operation: 'broadworks.createSubscriber',
      method: 'POST',
      path: '/broadworks/subscribers',
      httpStatus: 401,
      trackingId: 'IMPB_T1',
      webexMessage: 'invalid token',
      webexErrors: [{ errorCode: 401001, description: 'invalid token' }],
      maybeApplied: false,
    },
    { message: 'broadworks.createSubscriber: Webex refused the access token (401) — TrackingID IMPB_T1', cause: socketError },
  );
}

function formatted(format: LogFormat): { logger: winston.Logger; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  return { logger: createLogger({ format, transports: [new winston.transports.Stream({ stream })] }), text: () => out };
}

describe('error log lines', () => {
  it('a WebexError is one clean field: code, message, httpStatus, trackingId and details once; no facts, no [Circular], no stack', () => {
    const { logger, lines } = captureLogger();
    logger.warn('pipeline: job failed', { event: 'pipeline.job.failed', err: unauthorized() });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('[Circular]');
    expect(lines[0]).not.toContain('"facts"');
    expect(lines[0]).not.toContain('"stack"');
    expect(lines[0]).not.toMatch(/\bat .*\.ts:\d+/);
    const err = (JSON.parse(lines[0]!) as { err: Record<string, unknown> }).err;
    expect(err).toEqual({
      code: 'IMPB_ERR_WEBEX_UNAUTHORIZED',
      message: 'broadworks.createSubscriber: Webex refused the access token (401) — TrackingID IMPB_T1',
      retryable: false,
      httpStatus: 401,
      trackingId: 'IMPB_T1',
      details: {
        operation: 'broadworks.createSubscriber',
        method: 'POST',
        path: '/broadworks/subscribers',
        webexMessage: 'invalid token',
        webexErrors: [{ errorCode: 401001, description: 'invalid token' }],
        maybeApplied: false,
      },
      cause: { name: 'Error', message: 'other side closed', code: 'UND_ERR_SOCKET' },
    });
    // Each fact once in the whole line.
    expect(lines[0]!.match(/IMPB_T1/g)).toHaveLength(2); // the message and trackingId
    expect(lines[0]!.match(/401001/g)).toHaveLength(1);
  });

  it('logger.warn(err) and logger.warn(text, err) are as clean as { err }', () => {
    const { logger, lines } = captureLogger();
    logger.warn(unauthorized());
    logger.warn('Webex call failed', unauthorized());
    logger.error(new TypeError('boom'));
    for (const line of lines.slice(0, 2)) {
      expect(line).not.toContain('"facts"');
      expect(line).not.toContain('"stack"');
      expect(line).not.toContain('[Circular]');
      expect(line.match(/401001/g)).toHaveLength(1);
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'warn',
      message: expect.stringContaining('Webex refused the access token'),
      err: { code: 'IMPB_ERR_WEBEX_UNAUTHORIZED', httpStatus: 401, trackingId: 'IMPB_T1' },
    });
    expect(JSON.parse(lines[2]!)).toMatchObject({
      level: 'error',
      message: 'boom',
      err: { name: 'TypeError', stack: expect.stringContaining('TypeError: boom') },
    });
  });

  it('an unexpected error keeps its stack, and so does the cause of an internal error', () => {
    const { logger, lines } = captureLogger();
    logger.error('unhandled error', { err: new TypeError('x is not a function') });
    logger.error('internal', { err: new ImpbError('IMPB_ERR_INTERNAL', { cause: new RangeError('bad index') }) });
    const first = (JSON.parse(lines[0]!) as { err: Record<string, unknown> }).err;
    expect(first).toMatchObject({ name: 'TypeError', message: 'x is not a function', stack: expect.stringContaining('log-lines.test.ts') });
    const second = (JSON.parse(lines[1]!) as { err: { stack?: string; cause: { stack?: string } } }).err;
    expect(second.stack).toContain('log-lines.test.ts');
    expect(second.cause.stack).toContain('RangeError: bad index');
  });

  it('the same object in two branches is written twice; only a real cycle is [Circular]', () => {
    const { logger, lines } = captureLogger();
    const shared = { a: 1 };
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    logger.info('shared', { pair: { one: shared, two: shared }, cyclic });
    expect(JSON.parse(lines[0]!)).toMatchObject({ pair: { one: { a: 1 }, two: { a: 1 } }, cyclic: { name: 'loop', self: '[Circular]' } });
  });
});

describe('logFormat', () => {
  it('pretty writes one readable line per entry, redacted like json', () => {
    registerSecret('pretty-secret-value-1');
    const json = formatted('json');
    const pretty = formatted('pretty');
    for (const { logger } of [json, pretty]) {
      logger.warn('Webex refused pretty-secret-value-1', {
        event: 'webex.refused',
        password: 'plain-pw-2',
        headers: { authorization: 'Bearer abc.def' },
        err: unauthorized(),
      });
    }
    for (const out of [json.text(), pretty.text()]) {
      expect(out).not.toContain('pretty-secret-value-1');
      expect(out).not.toContain('plain-pw-2');
      expect(out).not.toContain('abc.def');
    }
    expect(() => JSON.parse(json.text())).not.toThrow();
    const line = pretty.text().trimEnd();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z WARN {2}Webex refused \[REDACTED\] {2}event=webex\.refused /);
    expect(line).toContain('"code":"IMPB_ERR_WEBEX_UNAUTHORIZED"');
    expect(() => JSON.parse(line)).toThrow();
  });

  it('pretty prints an unexpected error’s stack indented below the line', () => {
    const pretty = formatted('pretty');
    pretty.logger.error('unhandled error', { err: new TypeError('boom') });
    const [first, ...rest] = pretty.text().trimEnd().split('\n');
    expect(first).toContain('ERROR unhandled error');
    expect(first).not.toContain('"stack"');
    expect(rest[0]).toBe('    TypeError: boom');
  });

  it('is json | pretty from the config file or IMP_BRIDGE_LOG_FORMAT; default pretty on a terminal, json otherwise', () => {
    expect(loadConfig({ env: { IMP_BRIDGE_LOG_FORMAT: 'pretty' }, cwd: '/nonexistent' }).config.logFormat).toBe('pretty');
    expect(loadConfig({ env: {}, overrides: { logFormat: 'json' }, cwd: '/nonexistent' }).config.logFormat).toBe('json');
    expect(() => loadConfig({ env: { IMP_BRIDGE_LOG_FORMAT: 'text' }, cwd: '/nonexistent' })).toThrow(/logFormat \(from IMP_BRIDGE_LOG_FORMAT\)/);
    expect(resolveLogFormat(undefined, true)).toBe('pretty');
    expect(resolveLogFormat(undefined, false)).toBe('json');
    expect(resolveLogFormat(undefined, undefined)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
  });
});

describe('lines below the level', () => {
  it('are dropped before winston reads their fields; a level raised or lowered at run time applies to the next line', () => {
    const { logger, lines } = captureLogger('warn');
    let reads = 0;
    const fields = {
      event: 'probe',
      get probe() {
        reads++;
        return 'value';
      },
    };
    logger.info('below the level', fields);
    logger.debug('below the level', fields);
    expect(reads).toBe(0);
    logger.warn('at the level', fields);
    expect(reads).toBeGreaterThan(0);
    logger.level = 'info';
    logger.info('now at the level', { event: 'probe.info' });
    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['at the level', 'now at the level']);
  });

  it('a silent logger reads nothing either', () => {
    const logger = createLogger({ silent: true });
    let reads = 0;
    logger.warn('silent', {
      get probe() {
        return ++reads;
      },
    });
    expect(reads).toBe(0);
  });
});
