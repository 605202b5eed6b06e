import { api } from '../api';
import { ErrorBox, RelTime, usePoll } from '../ui';

interface Overview {
  generatedAt: string;
  subscribers: Record<string, number>;
  jobs: { failed: number; queueDepth: number; oldestPendingCreatedAt?: string; oldestAgeSeconds: number; byState: Record<string, number> };
  webex: {
    target: string;
    baseUrl?: string;
    token?: { kind: string; works: boolean; lastError?: string };
    callsTotal: number;
    rateLimitedTotal: number;
    callsPerMinute?: number;
    rateLimitedPerMinute?: number;
    currentLimitPerSecond?: number;
  };
  certificates: Array<{ kind: string; subject: string; fingerprint: string; notAfter: string; daysLeft: number; level: string }>;
  unknownRequests: number;
  instances: Array<{
    id?: string;
    hostname?: string;
    pid?: number;
    version: string;
    startedAt: string;
    lastHeartbeat?: string;
    leader?: boolean;
    self?: boolean;
  }>;
}

export const OVERVIEW_REFRESH_MS = 2_000;

export function OverviewPage() {
  const { data, error } = usePoll(() => api.get<Overview>('/overview'), OVERVIEW_REFRESH_MS);
  return (
    <section>
      <h1>Overview</h1>
      <ErrorBox error={error} />
      {data && (
        <div class="cards">
          <article class="card">
            <h2>Subscribers</h2>
            <dl class="counts">
              {Object.keys(data.subscribers).length === 0 && <p>None yet.</p>}
              {Object.entries(data.subscribers).map(([status, n]) => (
                <div key={status}>
                  <dt>
                    <a href={`#/subscribers?status=${encodeURIComponent(status)}`}>{status}</a>
                  </dt>
                  <dd data-testid={`count-${status}`}>{n}</dd>
                </div>
              ))}
            </dl>
          </article>
          <article class="card">
            <h2>Jobs</h2>
            <dl class="counts">
              <div>
                <dt>
                  <a href="#/jobs">failed</a>
                </dt>
                <dd class={data.jobs.failed ? 'bad' : ''}>{data.jobs.failed}</dd>
              </div>
              <div>
                <dt>queue depth</dt>
                <dd>{data.jobs.queueDepth}</dd>
              </div>
              <div>
                <dt>oldest waiting</dt>
                <dd>{data.jobs.oldestPendingCreatedAt ? <RelTime at={data.jobs.oldestPendingCreatedAt} /> : '—'}</dd>
              </div>
            </dl>
          </article>
          <article class="card">
            <h2>Webex</h2>
            <dl class="counts">
              <div>
                <dt>target</dt>
                <dd>{data.webex.target}</dd>
              </div>
              <div>
                <dt>token</dt>
                <dd class={data.webex.token && !data.webex.token.works ? 'bad' : ''} title={data.webex.token?.lastError}>
                  {data.webex.token ? (data.webex.token.works ? `works (${data.webex.token.kind})` : `failing: ${data.webex.token.lastError}`) : '—'}
                </dd>
              </div>
              <div>
                <dt>calls / min</dt>
                <dd>{data.webex.callsPerMinute ?? '…'}</dd>
              </div>
              <div>
                <dt>429s (total)</dt>
                <dd class={data.webex.rateLimitedTotal ? 'warn' : ''}>{data.webex.rateLimitedTotal}</dd>
              </div>
              <div>
                <dt>current limit</dt>
                <dd>{data.webex.currentLimitPerSecond !== undefined ? `${data.webex.currentLimitPerSecond}/s` : '—'}</dd>
              </div>
            </dl>
          </article>
          <article class="card">
            <h2>Certificates</h2>
            <ul class="plain">
              {data.certificates.map((c) => (
                <li key={`${c.kind}-${c.fingerprint}`} class={`level-${c.level}`}>
                  <strong>{c.kind}</strong> {c.subject}: <span title={new Date(c.notAfter).toLocaleString()}>{c.daysLeft} days left</span>
                  {c.level !== 'ok' && <span class="badge">{c.level}</span>}
                </li>
              ))}
            </ul>
          </article>
          <article class="card">
            <h2>Requests</h2>
            <p>
              <a href="#/requests">{data.unknownRequests} unknown requests</a>
            </p>
            <h2>Instances</h2>
            <ul class="plain">
              {data.instances.map((i) => (
                <li key={i.id ?? i.pid}>
                  {i.hostname ?? 'this host'} pid {i.pid ?? '?'}, v{i.version}, up since <RelTime at={i.startedAt} />
                  {i.lastHeartbeat && (
                    <>
                      , heard <RelTime at={i.lastHeartbeat} />
                    </>
                  )}
                  {i.leader ? ' (runs the scheduled work)' : ''}
                  {i.self ? ' (this one)' : ''}
                </li>
              ))}
            </ul>
          </article>
        </div>
      )}
      {data && (
        <p class="muted">
          Updated <RelTime at={data.generatedAt} />, every {OVERVIEW_REFRESH_MS / 1000} s.
        </p>
      )}
    </section>
  );
}
