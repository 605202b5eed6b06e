import { Agent, request } from 'undici';
import { readAdminToken } from '../admin/admin-token';
import { loadConfig, type Config } from '../config';
import { ImpbError } from '../errors';

export interface AdminClient {
  config: Config;
  baseUrl: string;
  /** JSON call to the running proxy's admin API; throws ImpbError with the API's code on failure. */
  call<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** POST answered as NDJSON (application/x-ndjson): each line is handed to onLine as it arrives. */
  stream(path: string, body: unknown, onLine: (line: Record<string, unknown>) => void): Promise<void>;
  close(): Promise<void>;
}

/** The admin API's error answer as the ImpbError it describes. */
function failure(statusCode: number, parsed: unknown): ImpbError {
  const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
  const code = (error?.code ?? 'IMPB_ERR_INTERNAL') as ConstructorParameters<typeof ImpbError>[0];
  return new ImpbError(code, {
    message: error?.message ?? `admin API answered ${statusCode}`,
    status: statusCode,
    details: (parsed as { error?: Record<string, unknown> })?.error ?? {},
  });
}

function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return { error: { code: 'IMPB_ERR_INTERNAL', message: `the admin API answered something that is not JSON: ${text.slice(0, 200)}` } };
  }
}

/**
 * Finds the running proxy's admin API through the same configuration and IMP_BRIDGE_*
 * variables as the server, with the token from config or the data dir.
 */
export function createAdminClient(options: { config?: Config; env?: NodeJS.ProcessEnv } = {}): AdminClient {
  const config = options.config ?? loadConfig({ env: options.env }).config;
  const host = config.admin.host === '0.0.0.0' ? '127.0.0.1' : config.admin.host === '::' ? '[::1]' : config.admin.host;
  const baseUrl = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${config.admin.port}`;
  const dispatcher = new Agent({ connectTimeout: 3_000, headersTimeout: 120_000, bodyTimeout: 120_000 });
  const unreachable = (err: unknown) =>
    new ImpbError('IMPB_ERR_ADMIN_UNREACHABLE', {
      message: `cannot reach the imp-bridge admin API at ${baseUrl} (${(err as Error).message}); is the proxy running?`,
      cause: err,
    });
  return {
    config,
    baseUrl,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const token = readAdminToken(config);
      let res;
      try {
        res = await request(`${baseUrl}${path}`, {
          method: method as 'GET',
          dispatcher,
          headers: {
            accept: 'application/json',
            // Lets the audit trail tell CLI changes from other admin API callers.
            'x-impb-actor': 'cli',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
        });
      } catch (err) {
        throw unreachable(err);
      }
      const parsed = parseJson(await res.body.text());
      if (res.statusCode >= 400) throw failure(res.statusCode, parsed);
      return parsed as T;
    },
    async stream(path, body, onLine) {
      const token = readAdminToken(config);
      let res;
      try {
        res = await request(`${baseUrl}${path}`, {
          method: 'POST',
          dispatcher,
          headers: {
            accept: 'application/x-ndjson',
            'content-type': 'application/json',
            'x-impb-actor': 'cli',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify(body),
        });
      } catch (err) {
        throw unreachable(err);
      }
      if (res.statusCode >= 400) throw failure(res.statusCode, parseJson(await res.body.text()));
      let pending = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        pending += decoder.decode(chunk as Buffer, { stream: true });
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (line) onLine(parseJson(line) as Record<string, unknown>);
        }
      }
      if (pending.trim()) onLine(parseJson(pending.trim()) as Record<string, unknown>);
    },
    close: () => dispatcher.close(),
  };
}
