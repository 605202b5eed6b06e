import { z } from 'zod';
import { isLoopbackHost } from '../config/loopback';

/**
 * Where a relay or shadow template forwards to, and how. One schema for the configuration file,
 * the admin API and the CLI, so an operator meets the same words everywhere.
 */
export const UPSTREAM_AUTH = ['passthrough', 'basic'] as const;
export const UPSTREAM_ON_FAILURE = ['passthrough', 'queue'] as const;

/** A PEM text, or a path to a PEM file (resolved when the forwarder is built). */
const pemOrFile = z.string().min(1, 'expected a PEM text or the path of a PEM file');

function hostOf(url: URL): string {
  // URL keeps the brackets of an IPv6 literal.
  return url.hostname.replace(/^\[|\]$/g, '');
}

const upstreamObject = z.strictObject({
  url: z
    .string({ error: 'expected the upstream provisioning URL (https://host[:port]/path)' })
    .describe('the provisioning URL requests are forwarded to; the sub-path after the template URL is appended'),
  auth: z
    .enum(UPSTREAM_AUTH, {
      error: "expected passthrough (forward the AS's Authorization) or basic (the template's own upstream user and password)",
    })
    .default('passthrough'),
  username: z.string().min(1).max(256).optional().describe('upstream user name when auth is basic'),
  password: z.string().min(1).max(256).optional().describe('upstream password when auth is basic (a secret: never logged)'),
  ca: pemOrFile.optional().describe('CA certificates that verify the upstream (PEM text or file); the system CAs when absent'),
  clientCert: pemOrFile.optional().describe('client certificate presented to the upstream (PEM text or file)'),
  clientKey: pemOrFile.optional().describe('its private key (PEM text or file; a secret)'),
  timeoutMs: z
    .number({ error: 'expected a number of milliseconds' })
    .int()
    .min(100, 'at least 100 ms')
    .max(600_000, 'at most 600000 ms (10 minutes)')
    .default(30_000),
  forwardedFor: z.boolean({ error: 'expected true or false' }).default(false).describe('add X-Forwarded-For with the AS address'),
  record: z.boolean({ error: 'expected true or false' }).default(true).describe('keep every relayed request and answer (masked), as record mode does'),
  onFailure: z
    .enum(UPSTREAM_ON_FAILURE, {
      error: "expected passthrough (the AS sees the upstream's failure) or queue (store and forward)",
    })
    .default('passthrough'),
});

export const upstreamSchema = upstreamObject.superRefine((u, ctx) => {
  let url: URL;
  try {
    url = new URL(u.url);
  } catch {
    ctx.addIssue({
      code: 'custom',
      path: ['url'],
      message: `"${u.url.slice(0, 200)}" is not a URL; expected https://host[:port]/path`,
    });
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    ctx.addIssue({ code: 'custom', path: ['url'], message: `use https:// (got ${url.protocol}//)` });
  } else if (url.protocol === 'http:' && !isLoopbackHost(hostOf(url))) {
    ctx.addIssue({
      code: 'custom',
      path: ['url'],
      message: `plain http:// is allowed only to a loopback address (127.0.0.1, ::1, localhost); use https:// for ${hostOf(url)}`,
    });
  }
  if (url.username || url.password) {
    ctx.addIssue({
      code: 'custom',
      path: ['url'],
      message: 'put no user or password in the URL; use auth: basic with username and password',
    });
  }
  if (url.search || url.hash) ctx.addIssue({ code: 'custom', path: ['url'], message: 'the upstream URL takes no query or fragment' });
  if (u.auth === 'basic' && (!u.username || !u.password)) {
    ctx.addIssue({
      code: 'custom',
      path: [u.username ? 'password' : 'username'],
      message: 'auth basic needs both username and password (or use auth: passthrough)',
    });
  }
  if (u.auth === 'passthrough' && (u.username || u.password)) {
    ctx.addIssue({
      code: 'custom',
      path: ['auth'],
      message: 'username and password are used only with auth: basic; set auth: basic or remove them',
    });
  }
  // A queued request is sent later by the pipeline: the AS's own Authorization would have to be
  // stored with it, and no upstream credential is ever stored with a request.
  if (u.onFailure === 'queue' && u.auth === 'passthrough') {
    ctx.addIssue({
      code: 'custom',
      path: ['auth'],
      message:
        "onFailure queue needs auth: basic with the upstream's username and password (a queued request is delivered later, and the AS's Authorization is never stored)",
    });
  }
  if (Boolean(u.clientCert) !== Boolean(u.clientKey)) {
    ctx.addIssue({
      code: 'custom',
      path: [u.clientCert ? 'clientKey' : 'clientCert'],
      message: 'a client certificate needs both clientCert and clientKey',
    });
  }
});

/** An edit: only the keys given change (no defaults); the merged settings are then checked whole. */
export const upstreamPatchSchema = z.strictObject({
  url: upstreamObject.shape.url.optional(),
  auth: z.enum(UPSTREAM_AUTH).optional(),
  username: upstreamObject.shape.username,
  password: upstreamObject.shape.password,
  ca: upstreamObject.shape.ca,
  clientCert: upstreamObject.shape.clientCert,
  clientKey: upstreamObject.shape.clientKey,
  timeoutMs: z.number().int().min(100).max(600_000).optional(),
  forwardedFor: z.boolean().optional(),
  record: z.boolean().optional(),
  onFailure: z.enum(UPSTREAM_ON_FAILURE).optional(),
});
export type UpstreamPatch = z.infer<typeof upstreamPatchSchema>;

export type UpstreamSettings = z.infer<typeof upstreamSchema>;
export type UpstreamSettingsInput = z.input<typeof upstreamSchema>;

/** Relay-side errors in the operator's words: `upstream.url: plain http:// is allowed only …`. */
export function describeUpstreamIssues(error: z.ZodError, prefix = 'upstream'): string[] {
  return error.issues.map((issue) => `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`);
}
