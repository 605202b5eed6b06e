import { templateConfigSchema } from '../../src/config/schema';
import type { EventKind, ProvisioningEvent, Template, UserProfile } from '../../src/domain';
import { createSilentLogger } from '../../src/observability';
import type { PipelineSettings } from '../../src/pipeline/job-run';
import { withRateLimit } from '../../src/webex/pacing/limited-api';
import { createRateLimiter } from '../../src/webex/pacing/rate-limiter';
import type { WebexProvisioningApi } from '../../src/pipeline/webex-port';
import { createPipelineWorker, type PipelineWorker } from '../../src/pipeline/worker';
import { createSqliteStore, type SqliteStore } from '../../src/store';
import { makeTempDir } from '../helpers/temp-dir';

export const FAST_SETTINGS: PipelineSettings = {
  concurrency: 8,
  ratePerSecond: 1000,
  attemptHorizonMs: 60_000,
  pollInitialMs: 5,
  pollMaxMs: 50,
  retryBaseMs: 5,
  retryMaxMs: 100,
  idlePollMs: 20,
  leaseMs: 60_000,
};

export function makeTemplate(overrides: Partial<Template> & Record<string, unknown> = {}): Template {
  const parsed = templateConfigSchema.parse({
    name: 'bw',
    provisioningId: 'PROV-1',
    package: 'standard',
    account: { username: 'as-1', passwordHash: 'x' },
    ...overrides,
  });
  return { ...parsed, account: { username: 'as-1', passwordHash: 'x' } } as Template;
}

export const WHOLESALE_ONBOARDING = {
  customerName: 'Enterprise {enterpriseId}',
  primaryEmail: 'admin@{enterpriseId}.example.net',
  packages: ['webex_calling'],
  address: { addressLine1: '1 Main St', city: 'Dallas', stateOrProvince: 'TX', zipOrPostalCode: '75001', country: 'US' },
  language: 'en_us',
  callingLocation: { name: 'HQ', timezone: 'America/Chicago' },
};

export interface Harness {
  store: SqliteStore;
  dir: string;
  worker?: PipelineWorker;
  startWorker(api: WebexProvisioningApi, settings?: Partial<PipelineSettings>): Promise<PipelineWorker>;
  accept(kind: EventKind, userId: string, profile?: UserProfile, extra?: Partial<ProvisioningEvent>): Promise<number>;
  close(): Promise<void>;
}

let requestSeq = 0;

export async function createHarness(templates: Template[] = [makeTemplate()], options: { dir?: string } = {}): Promise<Harness> {
  const temp = options.dir ? undefined : makeTempDir('impb-pipeline-');
  const dir = options.dir ?? temp!.dir;
  const store = createSqliteStore({ dataDir: dir });
  for (const t of templates) await store.templates.put(t);
  const h: Harness = {
    store,
    dir,
    async startWorker(api, settings = {}) {
      const s = { ...FAST_SETTINGS, ...settings };
      h.worker = createPipelineWorker({
        store,
        api: withRateLimit(api, createRateLimiter({ maxPerSecond: s.ratePerSecond })),
        settings: s,
        logger: createSilentLogger(),
      });
      await h.worker.start();
      return h.worker;
    },
    async accept(kind, userId, profile = {}, extra = {}) {
      const event: ProvisioningEvent = { kind, template: templates[0]!.name, userId, enterpriseId: 'ent-1', profile, ...extra };
      const id = `req-${++requestSeq}`;
      const [out] = await store.events.accept([{ event, requestId: id, rawRequest: '<x/>', dedupeKey: id }], { duplicateWindowSeconds: 0 });
      h.worker?.wake();
      return out!.eventId;
    },
    async close() {
      await h.worker?.close(2000);
      await store.close();
      temp?.cleanup();
    },
  };
  return h;
}

export const ALICE: UserProfile = { firstName: 'Alice', lastName: 'Smith', email: 'alice@example.net', phoneNumber: '+12145550100', extension: '100' };
