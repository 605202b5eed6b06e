import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';

/** JSON calls to the admin API over the real socket, with the token from the data dir. */
export function adminApi(adminUrl: string, dataDir: string) {
  const token = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', urlPath: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await request(`${adminUrl}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.body.text();
    // Tests read arbitrary answer fields; typing each answer would only repeat the assertions.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.statusCode, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
  };
  return { token, call };
}

export const CLUSTER = { name: 'as-east', description: 'east AS pair', hosts: ['as1.east.example.net', 'as2.east.example.net'] };

export function templateBody(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    targetApi: 'broadworks',
    provisioningId: 'prov-123',
    package: 'standard',
    cluster: 'as-east',
    account: { username: `${name}-as`, password: 'Secr3t-Passw0rd' },
    ...extra,
  };
}

/** Polls until `check` holds (no fixed sleeps: the pipeline runs at its own pace). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
