/**
 * The one way the console talks to the proxy: the admin API, with the session cookie and the
 * CSRF header. Errors are shown as the API wrote them; the console adds no rule of its own.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
let onUnauthorized: () => void = () => undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(method !== 'GET' && csrfToken ? { 'x-csrf-token': csrfToken } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { error: { message: text } };
  }
  if (!res.ok) {
    const error = (parsed as { error?: { message?: string; code?: string; details?: unknown } }).error ?? {};
    if (res.status === 401 && path.startsWith('/api/')) onUnauthorized();
    throw new ApiError(error.message ?? `${res.status} ${res.statusText}`, res.status, error.code, error.details);
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', `/api/v1${path}`),
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', `/api/v1${path}`, body),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', `/api/v1${path}`, body),
  del: <T>(path: string) => call<T>('DELETE', `/api/v1${path}`),
};

export interface Session {
  csrfToken: string;
  expiresAt: string;
}

export const session = {
  current: () => call<Session>('GET', '/console/session'),
  login: (token: string) => call<Session>('POST', '/console/session', { token }),
  logout: () => call<void>('DELETE', '/console/session'),
};

export const enc = encodeURIComponent;

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
