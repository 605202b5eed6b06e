import { z } from 'zod';
import { dialectExtensionsSchema } from '../inbound/dialect/dialect-extensions';
import { isLoopbackHost } from './loopback';
import { PUBLIC_HOSTNAME_DEFAULT_TEXT } from './public-hostname';
import { clusterSchema, templateConfigSchema } from './template-schema';

/**
 * The whole configuration of imp-bridge: one schema, one typed object passed down.
 * Every key has a default and a description; the README's configuration table is generated
 * from this schema (`npm run docs:config`) and a test checks that it is current.
 */

/**
 * A number from YAML, or a digit-only string from an environment variable. z.coerce.number would
 * also turn null, true, [] into 0/1 and "0x50", "1e3" into 80 and 1000: a wrong value must be
 * refused, not silently become a different one.
 */
function numberFromText<T extends z.ZodNumber>(schema: T, text: RegExp = /^[0-9]+$/) {
  return z.preprocess((value) => (typeof value === 'string' && text.test(value) ? Number(value) : value), schema);
}

function wholeNumber(min: number, max?: number) {
  const base = z.number({ error: 'expected a whole number' }).int('expected a whole number').min(min);
  return numberFromText(max === undefined ? base : base.max(max));
}

const PORT = 'expected a port number (0-65535)';
const port = numberFromText(z.number({ error: PORT }).int('expected a whole number').min(0, PORT).max(65535, PORT));

const durationMs = numberFromText(z.number({ error: 'expected a number of milliseconds' }).int('expected a whole number of milliseconds').min(0));

export { isLoopbackHost };
// Cluster and template schemas live beside this file; callers keep importing them from here.
export * from './template-schema';

export const KEY_TYPES = ['rsa-2048', 'rsa-3072', 'rsa-4096'] as const;
export const keyTypeSchema = z.enum(KEY_TYPES);
export type KeyType = z.infer<typeof keyTypeSchema>;

export const configSchema = z.strictObject({
  dataDir: z.string().min(1).default('./data').describe('directory for the store, certificates and generated secrets'),
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info').describe('log level'),
  logFormat: z.enum(['json', 'pretty']).optional().describe('log line format (default: pretty when standard output is a terminal, json otherwise)'),
  provisioning: z
    .strictObject({
      host: z.string().default('0.0.0.0').describe('address of the mTLS provisioning listener'),
      port: port.default(8443).describe('port of the mTLS provisioning listener'),
      publicHostname: z
        .string()
        .optional()
        .describe(
          `host name the AS uses in its provisioningUrl (default: ${PUBLIC_HOSTNAME_DEFAULT_TEXT}); the self-signed certificate names this host name and localhost`,
        ),
      clientCertificate: z.enum(['required', 'optional', 'off']).default('required').describe('client certificate checking'),
      bodyLimitBytes: wholeNumber(1024, 10 * 1024 * 1024)
        .default(64 * 1024)
        .describe('largest accepted request body'),
      headersTimeoutMs: durationMs.default(10_000).describe('time allowed for a request’s headers (slow-loris guard)'),
      handshakeTimeoutMs: durationMs.default(10_000).describe('time allowed for a TLS handshake; a connection that has not finished it by then is closed'),
      requestTimeoutMs: durationMs.default(30_000).describe('time allowed for a whole request'),
      keepAliveTimeoutMs: durationMs.default(5_000).describe('idle keep-alive timeout'),
      duplicateWindowSeconds: wholeNumber(0).default(300).describe('window in which a re-sent identical request is acknowledged without a new event'),
      authFailureLimit: wholeNumber(1).default(5).describe('failed authentications per source per minute before delays start'),
      authFailureBaseDelayMs: durationMs
        .default(250)
        .describe('first delay once a source passes authFailureLimit; doubles per further failure (429 at twice the limit)'),
      recordMode: z.boolean().default(false).describe('keep every request and response (masked) for fixture export'),
      maxCommandsPerDocument: wholeNumber(1, 10_000).default(100).describe('commands accepted in one document; more are refused with 4001'),
      maxXmlElements: wholeNumber(100).default(10_000).describe('elements in one document before it is refused (4001), checked before parsing'),
      maxXmlNameLength: wholeNumber(16).default(256).describe('characters in an element or attribute name before the document is refused (4001)'),
      maxXmlAttributes: wholeNumber(4).default(32).describe('attributes on one element before the document is refused (4001)'),
      largeBodyBytes: wholeNumber(1024)
        .default(256 * 1024)
        .describe('bodies at least this large are parsed in a worker thread, under the largeBodyParallel bound'),
      parseHeapLimitMb: wholeNumber(32, 4096)
        .default(256)
        .describe(
          "heap limit of the worker thread that parses one large body; a document needing more is refused (4001). One text node costs the parser ~32 bytes per character: at 256, one of ~6 MB fits; the thread's RSS is ~1.5 × this",
        ),
      largeBodyParallel: wholeNumber(1).default(2).describe('large bodies parsed at the same time; others wait'),
      largeBodyQueue: wholeNumber(0).default(8).describe('large bodies waiting to be parsed; beyond it the AS is answered 5001 and retries'),
    })
    .prefault({}),
  admin: z
    .strictObject({
      host: z.string().default('127.0.0.1').describe('address of the admin listener'),
      port: port.default(9090).describe('port of the admin listener'),
      token: z.string().min(16, 'use at least 16 characters').optional().describe('admin bearer token (generated into the data dir when absent)'),
    })
    // Checked here, not at listen time, so the process refuses to start (exit 2) before it
    // generates certificates or binds a port. `when` also runs it beside other admin problems.
    .superRefine(
      (admin, ctx) => {
        if (typeof admin.host === 'string' && admin.token === undefined && !isLoopbackHost(admin.host)) {
          ctx.addIssue({
            code: 'custom',
            path: ['token'],
            message: `required when admin.host (${admin.host}) is not a loopback address (set IMP_BRIDGE_ADMIN_TOKEN)`,
          });
        }
      },
      { when: () => true },
    )
    .prefault({}),
  shutdown: z
    .strictObject({
      drainTimeoutMs: durationMs.default(10_000).describe('how long in-flight requests may finish after SIGTERM'),
    })
    .prefault({}),
  tls: z
    .strictObject({
      minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2').describe('lowest TLS version accepted'),
      ciphers: z.string().optional().describe('OpenSSL cipher list for TLS 1.2 (Node default when absent)'),
      keyType: keyTypeSchema.default('rsa-2048').describe('key type for generated keys'),
      selfSignedDays: wholeNumber(1, 825).default(365).describe('validity of the generated self-signed certificate'),
      autoRenewSelfSignedDays: wholeNumber(0).default(30).describe('renew the self-signed certificate this many days before expiry (0: never)'),
      expiryWarnDays: wholeNumber(0).default(30).describe('warn this many days before a certificate expires'),
      expiryErrorDays: wholeNumber(0).default(7).describe('log errors this many days before a certificate expires'),
      expiryCheckIntervalMs: durationMs.default(3_600_000).describe('how often certificate expiry is checked'),
      fileWatchDebounceMs: durationMs.default(500).describe('quiet time after a change in the certificate folder before it is validated and loaded'),
    })
    .prefault({}),
  webex: z
    .strictObject({
      baseUrl: z
        .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
        .optional()
        .describe('Webex API base URL (default https://webexapis.com/v1; the built-in simulator when no credentials are set)'),
      token: z.string().min(1).optional().describe('static Webex bearer token'),
      oauth: z
        .strictObject({
          clientId: z.string().min(1),
          clientSecret: z.string().min(1),
          refreshToken: z.string().min(1),
        })
        .optional()
        .describe('OAuth integration credentials'),
      serviceApp: z
        .strictObject({
          applicationId: z.string().min(1),
          clientId: z.string().min(1),
          clientSecret: z.string().min(1),
          integrationToken: z.string().min(1),
          targetOrgId: z
            .string()
            .trim()
            .min(1)
            .optional()
            .describe('org the service app token is asked for (POST /applications/{id}/token targetOrgId; Webex id of the org that authorized the app)'),
        })
        .optional()
        .describe('service app credentials'),
      connectTimeoutMs: durationMs.default(10_000).describe('connect timeout for Webex calls'),
      headersTimeoutMs: durationMs.default(30_000).describe('time to first response byte'),
      bodyTimeoutMs: durationMs.default(30_000).describe('time between response body bytes'),
      credentialsCheckIntervalMs: wholeNumber(1).default(60_000).describe('how often the Webex credentials are checked (GET /people/me) while they work'),
      credentialsRetryIntervalMs: wholeNumber(1).default(10_000).describe('how often they are checked while Webex refuses them or cannot be reached'),
      simulatorProvisioningDelayMs: durationMs.default(2_000).describe('built-in simulator: time until a subscriber is provisioned'),
    })
    // A base URL without credentials would silently provision into the built-in simulator and
    // tell the AS "success" for users who never reach Webex: refuse at start (exit 2) instead.
    .superRefine((webex, ctx) => {
      // A base URL that is itself wrong has its own problem line already.
      if (
        webex.baseUrl !== undefined &&
        /^https?:\/\//.test(webex.baseUrl) &&
        webex.token === undefined &&
        webex.oauth === undefined &&
        webex.serviceApp === undefined
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['baseUrl'],
          message:
            'set together with Webex credentials: webex.token (IMP_BRIDGE_WEBEX_TOKEN), webex.oauth or webex.serviceApp; remove it to use the built-in simulator',
        });
      }
    })
    .prefault({}),
  pipeline: z
    .strictObject({
      concurrency: wholeNumber(1, 256).default(8).describe('users processed in parallel'),
      ratePerSecond: numberFromText(z.number({ error: 'expected a number' }).positive(), /^[0-9]+(\.[0-9]+)?$/)
        .default(5)
        .describe('Webex calls per second (shared by all workers)'),
      attemptHorizonMs: durationMs.default(24 * 3_600_000).describe('give up retrying a job after this long'),
      pollInitialMs: durationMs.default(2_000).describe('first status poll after a create/update'),
      pollMaxMs: durationMs.default(60_000).describe('longest interval between status polls'),
      retryBaseMs: durationMs.default(1_000).describe('first retry delay of a failed Webex call (doubled per attempt, full jitter)'),
      retryMaxMs: durationMs.default(600_000).describe('longest delay between two retries of a job'),
      idlePollMs: durationMs.default(200).describe('how often an idle worker looks for due jobs enqueued elsewhere'),
      leaseMs: durationMs
        .refine((ms) => ms >= 1_000, 'at least 1000 (1 s): a worker renews its lease every third of it')
        .default(60_000)
        .describe('how long a running job stays with its worker without a renewal; the job of an instance that died is taken over after this'),
    })
    .prefault({}),
  store: z
    .strictObject({
      kind: z
        .enum(['sqlite', 'postgres'])
        .default('sqlite')
        .describe('store engine: the embedded SQLite file in dataDir, or a shared PostgreSQL database (several instances)'),
      postgres: z
        .strictObject({
          url: z
            .string()
            .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL, e.g. postgres://imp:secret@db.example.net:5432/imp_bridge')
            .optional()
            .describe('PostgreSQL connection URL (its password is masked wherever config is shown)'),
          poolSize: wholeNumber(1, 1000).default(10).describe('connections per instance'),
          statementTimeoutMs: durationMs.default(15_000).describe('longest a single SQL statement may run before PostgreSQL cancels it'),
        })
        .prefault({}),
    })
    // Checked with the rest of the config so a PostgreSQL store without a URL stops the start
    // with exit 2, before any certificate or listener exists.
    .superRefine((store, ctx) => {
      if (store.kind !== 'postgres') return;
      if (store.postgres.url === undefined)
        ctx.addIssue({ code: 'custom', path: ['postgres', 'url'], message: 'required when store.kind is postgres (set IMP_BRIDGE_DATABASE_URL)' });
    })
    .prefault({}),
  retention: z
    .strictObject({
      dataDays: wholeNumber(1, 36_500).default(90).describe('days stored requests, ended events and jobs, the Webex call log and unknown requests are kept'),
      auditDays: wholeNumber(1, 36_500).default(400).describe('days the audit trail is kept'),
      sweepIntervalMs: durationMs.default(3_600_000).describe('how often old rows are deleted (in small batches)'),
      batchSize: wholeNumber(1, 100_000).default(500).describe('rows deleted per statement by the retention sweep'),
    })
    .prefault({}),
  clusters: z.array(clusterSchema).default([]).describe('BroadWorks clusters seeded at start (upserted)'),
  templates: z
    .array(templateConfigSchema)
    .superRefine((templates, ctx) => {
      templates.forEach((t, i) => {
        if (t.mode !== 'provision' && !t.upstream)
          ctx.addIssue({
            code: 'custom',
            path: [i, 'upstream'],
            message: `required when mode is ${t.mode} (upstream.url: the provisioning URL to forward to)`,
          });
      });
    })
    .default([])
    .describe('customer templates seeded at start (upserted)'),
  dialect: dialectExtensionsSchema
    .prefault({})
    .describe('dialect extensions: command-type and element aliases, elements to ignore, the answer variant; re-read from the file while running'),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Environment overrides: variable → config path. */
export const ENV_OVERRIDES: Record<string, string> = {
  IMP_BRIDGE_DATA_DIR: 'dataDir',
  IMP_BRIDGE_LOG_LEVEL: 'logLevel',
  IMP_BRIDGE_LOG_FORMAT: 'logFormat',
  IMP_BRIDGE_HOST: 'provisioning.host',
  IMP_BRIDGE_PORT: 'provisioning.port',
  IMP_BRIDGE_PUBLIC_HOSTNAME: 'provisioning.publicHostname',
  IMP_BRIDGE_CLIENT_CERTIFICATE: 'provisioning.clientCertificate',
  IMP_BRIDGE_HANDSHAKE_TIMEOUT_MS: 'provisioning.handshakeTimeoutMs',
  IMP_BRIDGE_ADMIN_HOST: 'admin.host',
  IMP_BRIDGE_ADMIN_PORT: 'admin.port',
  IMP_BRIDGE_ADMIN_TOKEN: 'admin.token',
  IMP_BRIDGE_WEBEX_BASE_URL: 'webex.baseUrl',
  IMP_BRIDGE_WEBEX_TOKEN: 'webex.token',
  IMP_BRIDGE_DRAIN_TIMEOUT_MS: 'shutdown.drainTimeoutMs',
  IMP_BRIDGE_KEY_TYPE: 'tls.keyType',
  IMP_BRIDGE_CONCURRENCY: 'pipeline.concurrency',
  IMP_BRIDGE_RATE_PER_SECOND: 'pipeline.ratePerSecond',
  IMP_BRIDGE_STORE_KIND: 'store.kind',
  IMP_BRIDGE_DATABASE_URL: 'store.postgres.url',
  IMP_BRIDGE_RETENTION_DATA_DAYS: 'retention.dataDays',
  IMP_BRIDGE_RETENTION_AUDIT_DAYS: 'retention.auditDays',
};

/** Keys whose values are secrets: redacted wherever config is shown. */
export const SECRET_KEYS = ['token', 'password', 'passwordHash', 'clientSecret', 'refreshToken', 'integrationToken', 'clientKey'] as const;

/**
 * A database URL is shown (host and database help support) but its password is not:
 * `postgres://imp:[REDACTED]@db:5432/x`, also for `?password=` in the query.
 */
export function maskUrlPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)[^/?#]*@/i, '$1[REDACTED]@').replace(/([?&]password=)[^&#]*/gi, '$1[REDACTED]');
}
