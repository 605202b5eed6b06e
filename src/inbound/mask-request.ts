import type { IncomingHttpHeaders } from 'node:http';
import { redactText, REDACTED } from '../observability';
import type { FlowThroughDocument } from './dialect/read-document';

/**
 * The body as it may be stored: secret-named elements masked (CDATA included, by the same
 * rule as log redaction, so `<devicePassword>` is masked too), plus every exact
 * secret value the caller knows (a password sent with entity escapes would otherwise survive).
 */
export function maskDocument(text: string, knownSecrets: Array<string | undefined> = []): string {
  let out = text;
  for (const secret of knownSecrets) if (secret && secret.length >= 6 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  // redactText masks the secret-named elements (maskSecretElements) before its other patterns.
  return redactText(out);
}

/** The exact secret values a flow-through document's stored text is masked with: the header password, the document's, each command's IM&P password. */
export function documentSecrets(doc: FlowThroughDocument | undefined, headerPassword: string | undefined): Array<string | undefined> {
  return [headerPassword, doc?.credentials?.password, ...(doc?.commands.map((c) => c.fields.impPassword) ?? [])];
}

/** Headers minus Authorization (and cookies), values of secret-shaped text masked. */
export function headersForStorage(headers: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (/^(authorization|proxy-authorization|cookie)$/i.test(name)) continue;
    out[name] = Array.isArray(value) ? value.map(redactText) : value === undefined ? undefined : redactText(value);
  }
  return out;
}

/** "POST /path\nheader: value\n…\n\n<body>" — what operators read when they inspect an event. */
export function rawRequestText(method: string, url: string, headers: Record<string, string | string[] | undefined>, maskedBody: string): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : (v ?? '')}`);
  return `${method} ${url}\n${lines.join('\n')}\n\n${maskedBody}`;
}
