import fs from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import { ImpbError, type ErrorCode } from '../../errors';
import { registerSecret } from '../../observability';
import { endToEndHeaders } from './hop-by-hop';
import type { UpstreamSettings } from '../../templates/upstream-settings';

export interface RelayRequest {
  method: string;
  /** What followed the template's URL: '' or '/a/b'. */
  subPath: string;
  /** The raw query string without '?', forwarded as received. */
  query?: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The AS's address, for X-Forwarded-For when configured. */
  remoteAddress?: string;
}

export interface RelayAnswer {
  /** False when the upstream gave no answer at all (the status is then ours: 502). */
  answered: boolean;
  status: number;
  contentType?: string;
  /** The upstream's end-to-end response fields (hop-by-hop and framing removed). */
  headers: Record<string, string | string[]>;
  body: Buffer;
  durationMs: number;
  /** Why there was no answer (stable code, retryable). */
  error?: ImpbError;
}

export interface RelayForwarder {
  forward(request: RelayRequest): Promise<RelayAnswer>;
  close(): Promise<void>;
}

export interface RelayForwarderDeps {
  upstream: UpstreamSettings;
  /** Injected in tests; otherwise a keep-alive Pool of its own for this upstream's origin. */
  dispatcher?: Dispatcher;
  /** Most connections kept open to the upstream. */
  connections?: number;
  readFile?: (path: string) => string;
}

/** A PEM given inline or the path of a PEM file; a path that cannot be read names the key. */
export function resolvePem(value: string | undefined, key: string, readFile: (path: string) => string = (p) => fs.readFileSync(p, 'utf8')): string | undefined {
  if (value === undefined) return undefined;
  if (value.includes('-----BEGIN ')) return value;
  try {
    return readFile(value);
  } catch (err) {
    throw new ImpbError('IMPB_ERR_CONFIG_INVALID', {
      message: `${key}: cannot read ${value} (${(err as NodeJS.ErrnoException).code ?? 'error'}); give a PEM file that exists`,
      cause: err,
    });
  }
}

/** The keep-alive pool for one upstream origin: TLS verified (system CAs unless `ca`). */
export function createUpstreamPool(upstream: UpstreamSettings, options: { connections?: number; readFile?: (path: string) => string } = {}): Pool {
  const url = new URL(upstream.url);
  const ca = resolvePem(upstream.ca, 'upstream.ca', options.readFile);
  const cert = resolvePem(upstream.clientCert, 'upstream.clientCert', options.readFile);
  const key = resolvePem(upstream.clientKey, 'upstream.clientKey', options.readFile);
  return new Pool(url.origin, {
    connections: options.connections ?? 32,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 300_000,
    headersTimeout: upstream.timeoutMs,
    bodyTimeout: upstream.timeoutMs,
    connect: {
      timeout: Math.min(upstream.timeoutMs, 10_000),
      rejectUnauthorized: true,
      ...(ca ? { ca } : {}),
      ...(cert && key ? { cert, key } : {}),
    },
  });
}

const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/;
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** The system or undici code of a failed request (undici wraps the socket's error as `cause`). */
function errorCodeOf(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = e.code ?? e.cause?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : 'error';
}

function noAnswerError(err: unknown): ImpbError {
  const code = errorCodeOf(err);
  const which: ErrorCode = TIMEOUT_CODES.has(code)
    ? 'IMPB_ERR_UPSTREAM_TIMEOUT'
    : TLS_CODE.test(code)
      ? 'IMPB_ERR_UPSTREAM_TLS'
      : 'IMPB_ERR_UPSTREAM_UNREACHABLE';
  return new ImpbError(which, { cause: err, details: { reason: code } });
}

function joinPath(base: string, subPath: string, query: string | undefined): string {
  const path = `${base.replace(/\/+$/, '')}${subPath}` || '/';
  return query ? `${path}?${query}` : path;
}

function outgoingHeaders(upstream: UpstreamSettings, request: RelayRequest, basic: string | undefined): Record<string, string | string[]> {
  const headers = endToEndHeaders(request.headers);
  if (basic) headers['authorization'] = basic;
  // passthrough: the AS's Authorization is an end-to-end field and is already there.
  if (upstream.forwardedFor && request.remoteAddress) {
    const prior = headers['x-forwarded-for'];
    const address = request.remoteAddress.replace(/^::ffff:/, '');
    headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${address}` : address;
  }
  return headers;
}

/**
 * Forwards one request to the upstream provisioning URL unchanged (method, sub-path, body bytes,
 * end-to-end fields) and hands back its answer unchanged. No answer at all becomes a 502 with a
 * short text body, which is what the AS logs.
 */
export function createRelayForwarder(deps: RelayForwarderDeps): RelayForwarder {
  const { upstream } = deps;
  const base = new URL(upstream.url).pathname;
  const ownPool = deps.dispatcher ? undefined : createUpstreamPool(upstream, { connections: deps.connections, readFile: deps.readFile });
  const dispatcher: Dispatcher = deps.dispatcher ?? ownPool!;
  let basic: string | undefined;
  if (upstream.auth === 'basic' && upstream.username && upstream.password) {
    registerSecret(upstream.password);
    basic = `Basic ${Buffer.from(`${upstream.username}:${upstream.password}`).toString('base64')}`;
    registerSecret(basic.slice('Basic '.length));
  }

  async function forward(request: RelayRequest): Promise<RelayAnswer> {
    const started = performance.now();
    try {
      const res = await dispatcher.request({
        origin: new URL(upstream.url).origin,
        path: joinPath(base, request.subPath, request.query),
        method: request.method,
        headers: outgoingHeaders(upstream, request, basic),
        body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      const headers = endToEndHeaders(res.headers);
      const contentType = res.headers['content-type'];
      return {
        answered: true,
        status: res.statusCode,
        contentType: Array.isArray(contentType) ? contentType[0] : contentType,
        headers,
        body,
        durationMs: performance.now() - started,
      };
    } catch (err) {
      const error = noAnswerError(err);
      const text = `${error.message} (${String(error.details['reason'])})\n`;
      return {
        answered: false,
        status: 502,
        contentType: 'text/plain; charset=utf-8',
        headers: {},
        body: Buffer.from(text),
        durationMs: performance.now() - started,
        error,
      };
    }
  }

  return { forward, close: async () => ownPool?.close() };
}
