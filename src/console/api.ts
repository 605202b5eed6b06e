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

/**
 * POST of a long operation answered as NDJSON: each progress line goes to `onProgress`, the
 * last line is the outcome (`{ type: resultKey, [resultKey]: … }`) or an error line, thrown.
 */
export async function postNdjson<P, T>(path: string, body: unknown, resultKey: string, onProgress: (p: P) => void): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/x-ndjson', 'content-type': 'application/json', ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok || !res.body) {
    const parsed = (await res.json().catch(() => ({}))) as { error?: { message?: string; code?: string; details?: unknown } };
    if (res.status === 401) onUnauthorized();
    throw new ApiError(parsed.error?.message ?? `${res.status} ${res.statusText}`, res.status, parsed.error?.code, parsed.error?.details);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    buffered += value ?? '';
    const lines = buffered.split('\n');
    buffered = done ? '' : lines.pop()!;
    for (const line of lines.filter((l) => l.trim())) {
      const msg = JSON.parse(line) as { type: string; error?: { message?: string; code?: string; details?: unknown } } & Record<string, unknown>;
      if (msg.type === 'progress') onProgress(msg as unknown as P);
      else if (msg.type === 'error') throw new ApiError(msg.error?.message ?? 'the operation failed', 500, msg.error?.code, msg.error?.details);
      else if (msg.type === resultKey) return msg[resultKey] as T;
    }
    if (done) throw new ApiError('the answer ended before its result', 502);
  }
}

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
