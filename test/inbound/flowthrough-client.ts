import type { Dispatcher } from 'undici';
import { request } from 'undici';
import type { TemplateConfig } from '../../src/config/schema';
import type { TestBridge } from '../helpers/start-bridge';

export const ACME_PASSWORD = 'Acme-Provisioning-1';
export const OTHER_PASSWORD = 'Other-Provisioning-2';

/** A template as the config file gives it (seeded into the store at start). */
export function templateConfig(name: string, password: string, extra: Partial<TemplateConfig> = {}) {
  return {
    name,
    provisioningId: `${name}-provisioning-id`,
    package: 'standard',
    account: { username: `${name}-as`, password },
    ...extra,
  };
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export interface PostOptions {
  template?: string;
  path?: string;
  contentType?: string | null;
  authorization?: string | null;
  headers?: Record<string, string>;
  dispatcher?: Dispatcher;
  method?: 'POST' | 'PUT';
}

export interface PostResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  text: string;
}

/** POSTs a document to the mTLS listener with the dev client certificate, as an AS would. */
export async function postDocument(t: TestBridge, body: Buffer | string, options: PostOptions = {}): Promise<PostResult> {
  const template = options.template ?? 'acme-standard';
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'text/xml; charset=UTF-8';
  if (options.authorization !== null) headers.authorization = options.authorization ?? basic(`${template}-as`, ACME_PASSWORD);
  const res = await request(`${t.provisioningUrl}${options.path ?? `/provisioning/v1/${template}`}`, {
    method: options.method ?? 'POST',
    body,
    headers,
    dispatcher: options.dispatcher ?? sharedAgent(t),
  });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  const latin1 = /ISO-8859-1/i.test(String(res.headers['content-type'] ?? ''));
  return { status: res.statusCode, headers: res.headers, bytes, text: bytes.toString(latin1 ? 'latin1' : 'utf8') };
}

const agents = new WeakMap<TestBridge, Dispatcher>();
function sharedAgent(t: TestBridge): Dispatcher {
  let agent = agents.get(t);
  if (!agent) {
    agent = t.devClientAgent();
    agents.set(t, agent);
  }
  return agent;
}

export function addDocument(userId: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <sessionId xmlns="">as1.example.net,1,1</sessionId>
  <command xsi:type="UserIntegratedIMPAddRequest" xmlns="">
    <userId>${userId}</userId>
    <impPassword>user-secret-42</impPassword>
    <serviceProviderId>acme</serviceProviderId>
    <groupId>acme-hq</groupId>
    <firstName>Alice</firstName>
    <lastName>Smith</lastName>${extra}
  </command>
</BroadsoftDocument>
`;
}
