import { useState } from 'preact/hooks';
import { api, enc } from '../api';
import type { Job, SubscriberDetail } from '../types';
import { ConfirmDialog, CopyButton, ErrorBox, Field, Notice, RelTime, Status, usePoll, type ConfirmRequest } from '../ui';

const RETRYABLE = ['failed', 'cancelled', 'retry_wait'];

export function SubscriberDetailPage({ userId }: { userId: string }) {
  const { data, error, reload } = usePoll(() => api.get<SubscriberDetail>(`/subscribers/${enc(userId)}`), 2_000, [userId]);
  const [confirm, setConfirm] = useState<ConfirmRequest>();
  const [result, setResult] = useState<{ error?: unknown; text?: string }>({});
  const [pkg, setPkg] = useState('');
  const [report, setReport] = useState<string>();
  const s = data?.subscriber;
  const retryable = data?.jobs.find((j) => RETRYABLE.includes(j.state));
  const ask = (request: ConfirmRequest) => {
    setResult({});
    setConfirm(request);
  };
  return (
    <section>
      <p>
        <a href="#/subscribers">← Subscribers</a>
      </p>
      <h1>{userId}</h1>
      <ErrorBox error={error} />
      {s && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd data-testid="subscriber-status">
              <Status value={s.status} />
            </dd>
            <dt>Enterprise</dt>
            <dd>{s.enterpriseId}</dd>
            <dt>Template</dt>
            <dd>{s.template}</dd>
            <dt>Email</dt>
            <dd>{s.email ?? '—'}</dd>
            <dt>Package</dt>
            <dd>{s.package ?? '—'}</dd>
            <dt>Last change</dt>
            <dd>
              <RelTime at={s.lastStatusChange} />
            </dd>
            {s.lastErrorCode && (
              <>
                <dt>Last error</dt>
                <dd>
                  {s.lastErrorCode} {s.lastErrorDescription}
                </dd>
              </>
            )}
          </dl>
          {data?.waitingFor && <p class="notice">What the user must do: {data.waitingFor}</p>}
          <div class="actions wrap">
            <button
              type="button"
              disabled={!retryable}
              onClick={() =>
                retryable &&
                ask({
                  title: `Retry job ${retryable.id}`,
                  body: <p>Runs the {retryable.kind} job again now: the proxy looks the user up in Webex and sends what is still missing.</p>,
                  confirmLabel: 'Retry',
                  run: async () => {
                    await api.post(`/jobs/${retryable.id}/retry`);
                    setResult({ text: `Job ${retryable.id} queued again.` });
                  },
                })
              }
            >
              Retry
            </button>
            <button
              type="button"
              onClick={() =>
                ask({
                  title: 'Resync',
                  body: (
                    <p>
                      Brings Webex in line with what the proxy holds for this user (profile, package, enabled or not). Changes the user in Webex if they differ.
                    </p>
                  ),
                  confirmLabel: 'Resync',
                  run: async () => {
                    await api.post(`/subscribers/${enc(userId)}/resync`);
                    setResult({ text: 'Resync queued.' });
                  },
                })
              }
            >
              Resync
            </button>
            <button
              type="button"
              class="danger"
              onClick={() =>
                ask({
                  title: 'Revoke',
                  body: (
                    <>
                      <p>Queues an unassign: Webex deletes the subscriber and frees its license.</p>
                      <p class="warn">BroadWorks still shows the service assigned until it is unassigned there; reconcile will report the difference.</p>
                    </>
                  ),
                  confirmLabel: 'Revoke',
                  run: async () => {
                    await api.post(`/subscribers/${enc(userId)}/revoke`);
                    setResult({ text: 'Unassign queued.' });
                  },
                })
              }
            >
              Revoke
            </button>
          </div>
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              ask({
                title: 'Change package',
                body: <p>Changes the user’s Webex package to {pkg}. The license of the old package is released in Webex.</p>,
                confirmLabel: 'Change package',
                run: async () => {
                  await api.post(`/subscribers/${enc(userId)}/package`, { package: pkg });
                  setResult({ text: `Package change to ${pkg} queued.` });
                },
              });
            }}
          >
            <Field label="New package">
              <input name="package" value={pkg} required onInput={(e) => setPkg(e.currentTarget.value)} />
            </Field>
            <button type="submit">Change package</button>
          </form>
          <Notice text={result.text} />
          <ErrorBox error={result.error} />
        </>
      )}
      {data && <JobsTable jobs={data.jobs} />}
      {data && (
        <>
          <h2>Timeline</h2>
          <ol class="timeline" aria-label="Timeline">
            {data.timeline.map((t, i) => (
              <li key={i} class={`src-${t.source}`}>
                <RelTime at={t.at} /> <span class="badge">{t.source}</span> {t.what}
                {t.httpStatus !== undefined && <span class="http"> HTTP {t.httpStatus}</span>}
                {t.errorCode && <span class="bad"> errorCode {t.errorCode}</span>}
                {t.description && <span> {t.description}</span>}
                {t.trackingId && <code class="tracking"> TrackingID {t.trackingId}</code>}
                {t.actor && <span class="muted"> by {t.actor}</span>}
              </li>
            ))}
          </ol>
          <h2>Support report</h2>
          <button
            type="button"
            class="secondary"
            onClick={async () => {
              try {
                setReport(JSON.stringify(await api.get(`/support/${enc(userId)}`), null, 2));
              } catch (err) {
                setResult({ error: err });
              }
            }}
          >
            Show support report
          </button>
          {report && (
            <div>
              <CopyButton text={report} label="Copy report" />
              <pre class="report">{report}</pre>
            </div>
          )}
        </>
      )}
      <ConfirmDialog
        request={confirm}
        onDone={(r) => {
          setConfirm(undefined);
          if (r?.error) setResult({ error: r.error });
          reload();
        }}
      />
    </section>
  );
}

function JobsTable({ jobs }: { jobs: Job[] }) {
  return (
    <>
      <h2>Jobs</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Reason</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.id}>
                <td>{j.id}</td>
                <td>{j.kind}</td>
                <td>
                  <Status value={j.state} />
                </td>
                <td>{j.attempts}</td>
                <td>{j.lastError ? `${j.lastError.code}: ${j.lastError.message}` : '—'}</td>
                <td>
                  <RelTime at={j.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
