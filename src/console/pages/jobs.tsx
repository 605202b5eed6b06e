import { useState } from 'preact/hooks';
import { api, enc, errorText, postNdjson } from '../api';
import type { Job } from '../types';
import { ConfirmDialog, ErrorBox, Field, Notice, RelTime, Status, usePoll, type ConfirmRequest } from '../ui';

const STATES = ['failed', 'retry_wait', 'queued', 'polling', 'cancelled'] as const;

/** The outcome line of POST /jobs/retry (src/admin/bulk-retry.ts). */
interface BulkRetryResult {
  matched: number;
  retried: number;
  skipped: Array<{ jobId: number; code: string; reason: string }>;
  failed: number;
}

interface Bulk {
  verb: 'retry' | 'cancel';
  done: number;
  total: number;
  failures: string[];
}

export function JobsPage() {
  const [state, setState] = useState<string>('failed');
  const { data, error, reload } = usePoll(() => api.get<{ jobs: Job[] }>(`/jobs?state=${enc(state)}&limit=500`), 3_000, [state]);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [confirm, setConfirm] = useState<ConfirmRequest>();
  const [bulk, setBulk] = useState<Bulk>();
  const [actionError, setActionError] = useState<unknown>();
  const jobs = data?.jobs ?? [];
  const toggle = (id: number) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  // Bulk actions loop the single-job operation, so the API's rules (state checks, superseded
  // jobs) apply to each job and every refusal is shown as the API wrote it.
  const runBulk = async (verb: 'retry' | 'cancel', ids: number[]) => {
    const progress: Bulk = { verb, done: 0, total: ids.length, failures: [] };
    setBulk({ ...progress });
    for (const id of ids) {
      try {
        await api.post(`/jobs/${id}/${verb}`);
      } catch (err) {
        progress.failures.push(`job ${id}: ${errorText(err)}`);
      }
      progress.done++;
      setBulk({ ...progress });
    }
    setSelected(new Set());
    reload();
  };
  // "Retry all failed" is one request: the server collects the ids and retries each through
  // the single-job rules, streaming its progress; only a refusal per job comes back.
  const retryAllFailed = async () => {
    const progress: Bulk = { verb: 'retry', done: 0, total: 0, failures: [] };
    setBulk({ ...progress });
    try {
      const result = await postNdjson<{ done: number; total: number }, BulkRetryResult>('/jobs/retry', { state: 'failed' }, 'result', (p) =>
        setBulk({ ...progress, done: p.done, total: p.total }),
      );
      progress.done = progress.total = result.matched;
      progress.failures = result.skipped.map((s) => `job ${s.jobId}: ${s.reason}`);
      if (result.failed) progress.failures.push(`${result.failed} job${result.failed === 1 ? '' : 's'} could not be retried (see the proxy log)`);
    } catch (err) {
      progress.failures.push(errorText(err));
    }
    setBulk({ ...progress });
    setSelected(new Set());
    reload();
  };
  const askRetryAllFailed = () =>
    setConfirm({
      title: 'Retry every failed job',
      body: (
        <p>
          Runs every failed job again now, not only those listed; each looks the user up in Webex before it writes. Jobs a newer job of the same user replaced
          are skipped.
        </p>
      ),
      confirmLabel: 'Retry every failed job',
      run: () => {
        void retryAllFailed();
        return Promise.resolve();
      },
    });
  const askBulk = (verb: 'retry' | 'cancel') => {
    const ids = [...selected];
    setConfirm({
      title: `${verb === 'retry' ? 'Retry' : 'Cancel'} ${ids.length} jobs`,
      body:
        verb === 'retry' ? (
          <p>Runs the selected jobs again now; each looks the user up in Webex before it writes.</p>
        ) : (
          <p>Cancels the selected jobs: nothing more is sent to Webex for them. The users stay as Webex has them now.</p>
        ),
      confirmLabel: verb === 'retry' ? 'Retry all' : 'Cancel all',
      // The dialog closes at once; the progress bar shows the rest.
      run: () => {
        void runBulk(verb, ids);
        return Promise.resolve();
      },
    });
  };
  const single = async (verb: 'retry' | 'cancel', id: number) => {
    setActionError(undefined);
    try {
      await api.post(`/jobs/${id}/${verb}`);
    } catch (err) {
      setActionError(err);
    }
    reload();
  };
  return (
    <section>
      <h1>Jobs</h1>
      <div class="filters">
        <Field label="State">
          <select name="state" value={state} onChange={(e) => (setState(e.currentTarget.value), setSelected(new Set()))}>
            {STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </Field>
        <div class="actions">
          <button type="button" disabled={!selected.size} onClick={() => askBulk('retry')}>
            Retry selected ({selected.size})
          </button>
          <button type="button" class="secondary" disabled={!selected.size} onClick={() => askBulk('cancel')}>
            Cancel selected ({selected.size})
          </button>
          {state === 'failed' && (
            <button type="button" class="secondary" disabled={!jobs.length} onClick={askRetryAllFailed}>
              Retry all failed
            </button>
          )}
        </div>
      </div>
      {bulk && (
        <div class="bulk" role="status">
          <label>
            {bulk.verb === 'retry' ? 'Retrying' : 'Cancelling'}: {bulk.done} of {bulk.total}
            <progress max={bulk.total} value={bulk.done} />
          </label>
          {bulk.failures.map((f) => (
            <p class="error" key={f}>
              {f}
            </p>
          ))}
        </div>
      )}
      <ErrorBox error={error ?? actionError} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all"
                  checked={jobs.length > 0 && selected.size === jobs.length}
                  onChange={(e) => setSelected(e.currentTarget.checked ? new Set(jobs.map((j) => j.id)) : new Set())}
                />
              </th>
              <th scope="col">#</th>
              <th scope="col">User</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Reason</th>
              <th scope="col">Updated</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.id}>
                <td>
                  <input type="checkbox" aria-label={`Select job ${j.id}`} checked={selected.has(j.id)} onChange={() => toggle(j.id)} />
                </td>
                <td>{j.id}</td>
                <td>
                  <a href={`#/subscribers/${enc(j.userId)}`}>{j.userId}</a>
                </td>
                <td>{j.kind}</td>
                <td>
                  <Status value={j.state} />
                </td>
                <td>{j.lastError ? `${j.lastError.code}: ${j.lastError.message}` : '—'}</td>
                <td>
                  <RelTime at={j.updatedAt} />
                </td>
                <td class="actions">
                  <button type="button" class="small" aria-label={`Retry job ${j.id}`} onClick={() => single('retry', j.id)}>
                    Retry
                  </button>
                  <button type="button" class="small secondary" aria-label={`Cancel job ${j.id}`} onClick={() => single('cancel', j.id)}>
                    Cancel
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && jobs.length === 0 && <Notice text={`No ${state} jobs.`} />}
      </div>
      <ConfirmDialog request={confirm} onDone={() => setConfirm(undefined)} />
    </section>
  );
}
