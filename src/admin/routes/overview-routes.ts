import type { Counter, Registry } from 'prom-client';
import type { CertificateManager } from '../../certs/certificate-manager';
import type { Store } from '../../store';
import { toIsoTime } from '../../domain';
import type { WebexWiring } from '../../webex/wire-webex';
import { route, type ApiRoute } from '../api-route';

export interface OverviewDeps {
  store: Store;
  metrics: Registry;
  version: string;
  certs: () => CertificateManager | undefined;
  webex: () => WebexWiring | undefined;
  expiryWarnDays: number;
  expiryErrorDays: number;
  now?: () => number;
}

async function counterTotal(registry: Registry, name: string, filter?: (labels: Record<string, unknown>) => boolean): Promise<number> {
  const metric = registry.getSingleMetric(name) as Counter | undefined;
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => !filter || filter(v.labels)).reduce((sum, v) => sum + v.value, 0);
}

/**
 * GET /overview: what the console's first page shows, in one answer, so the page holds no
 * rule of its own (the warn/error days are the expiry monitor's, the rate is measured here).
 */
export function overviewRoutes(deps: OverviewDeps): ApiRoute[] {
  const now = deps.now ?? Date.now;
  const startedAt = toIsoTime(now());
  // (time, calls, 429s) samples, so the rate is over the last minute of polls, not since start.
  const samples: Array<{ at: number; calls: number; limited: number }> = [];
  return [
    route({
      method: 'get',
      path: '/overview',
      tag: 'overview',
      summary: 'subscribers by status, jobs, Webex call rate and 429s, certificate expiry, unknown requests, instances, Webex target',
      handler: async () => {
        const { store } = deps;
        const [subscribers, jobs, pending, oldest, unknownRequests] = await Promise.all([
          store.subscribers.countByStatus(),
          store.jobs.countByState(),
          store.jobs.countPending(),
          store.jobs.oldestPendingCreatedAt(),
          store.unknownRequests.count('unknown'),
        ]);
        const t = now();
        const calls = await counterTotal(deps.metrics, 'impb_webex_calls_total');
        const limited = await counterTotal(deps.metrics, 'impb_webex_rate_limited_total');
        samples.push({ at: t, calls, limited });
        while (samples.length > 1 && samples[0].at < t - 60_000) samples.shift();
        const first = samples[0];
        const seconds = Math.max(1, (t - first.at) / 1000);
        const webex = deps.webex();
        const token = webex?.tokenStatus();
        return {
          generatedAt: new Date(t).toISOString(),
          subscribers,
          jobs: {
            byState: jobs,
            failed: jobs.failed ?? 0,
            queueDepth: pending,
            oldestPendingCreatedAt: toIsoTime(oldest),
            oldestAgeSeconds: oldest ? Math.max(0, Math.round((t - oldest) / 1000)) : 0,
          },
          webex: {
            target: webex ? (webex.simulated ? 'simulator' : 'webex') : 'not wired',
            baseUrl: webex?.baseUrl,
            token: token
              ? {
                  kind: token.kind,
                  source: token.source,
                  works: !token.lastError,
                  lastError: token.lastError,
                  expiresAt: token.expiresAt ? new Date(token.expiresAt).toISOString() : undefined,
                }
              : undefined,
            callsTotal: calls,
            rateLimitedTotal: limited,
            callsPerMinute: samples.length > 1 ? Math.round(((calls - first.calls) / seconds) * 60) : undefined,
            rateLimitedPerMinute: samples.length > 1 ? Math.round(((limited - first.limited) / seconds) * 60) : undefined,
            currentLimitPerSecond: webex ? Math.round(webex.limiter.currentRate() * 100) / 100 : undefined,
            limitHalvings: webex?.limiter.decreases(),
          },
          certificates: (deps.certs()?.checkExpiry() ?? []).map((c) => ({ ...c, daysLeft: Math.floor(c.secondsLeft / 86_400) })),
          expiryThresholds: { warnDays: deps.expiryWarnDays, errorDays: deps.expiryErrorDays },
          unknownRequests,
          instances: [{ pid: process.pid, version: deps.version, startedAt, self: true }],
        };
      },
    }),
  ];
}
