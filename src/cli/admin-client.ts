import { Agent, request } from 'undici';
import { readAdminToken } from '../admin/admin-token';
import { loadConfig, type Config } from '../config';
import { ImpbError } from '../errors';

export interface AdminClient {
  config: Config;
  baseUrl: string;
  /** JSON call to the running proxy's admin API; throws ImpbError with the API's code on failure. */
  call<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
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
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
        });
      } catch (err) {
        throw new ImpbError('IMPB_ERR_ADMIN_UNREACHABLE', {
          message: `cannot reach the imp-bridge admin API at ${baseUrl} (${(err as Error).message}); is the proxy running?`,
          cause: err,
        });
      }
      const text = await res.body.text();
      const parsed = text ? (JSON.parse(text) as unknown) : undefined;
      if (res.statusCode >= 400) {
        const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
        const code = (error?.code ?? 'IMPB_ERR_INTERNAL') as ConstructorParameters<typeof ImpbError>[0];
        throw new ImpbError(code, {
          message: error?.message ?? `admin API answered ${res.statusCode}`,
          status: res.statusCode,
          details: (parsed as { error?: Record<string, unknown> })?.error ?? {},
        });
      }
      return parsed as T;
    },
    close: () => dispatcher.close(),
  };
}
