import { useState } from 'preact/hooks';
import { api, enc } from '../api';
import type { Subscriber } from '../types';
import { ErrorBox, Field, RelTime, Status, usePoll } from '../ui';

export function SubscribersPage({ params }: { params: URLSearchParams }) {
  const [q, setQ] = useState(params.get('q') ?? '');
  const [status, setStatus] = useState(params.get('status') ?? '');
  const [template, setTemplate] = useState(params.get('template') ?? '');
  const query = new URLSearchParams({ limit: '200', ...(q ? { q } : {}), ...(status ? { status } : {}), ...(template ? { template } : {}) }).toString();
  const { data, error } = usePoll(() => api.get<{ subscribers: Subscriber[] }>(`/subscribers?${query}`), 2_000, [query]);
  const templates = usePoll(() => api.get<{ templates: Array<{ name: string }> }>('/templates'), 0).data?.templates ?? [];
  return (
    <section>
      <h1>Subscribers</h1>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label="Search (user ID, email, enterprise)">
          <input type="search" name="q" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </Field>
        <Field label="Status">
          <select name="status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">any</option>
            {['provisioning', 'provisioned', 'updating', 'error', 'pending_email_input', 'pending_email_validation', 'pending_user_migration', 'deleted'].map(
              (s) => (
                <option key={s}>{s}</option>
              ),
            )}
          </select>
        </Field>
        <Field label="Template">
          <select name="template" value={template} onChange={(e) => setTemplate(e.currentTarget.value)}>
            <option value="">any</option>
            {templates.map((t) => (
              <option key={t.name}>{t.name}</option>
            ))}
          </select>
        </Field>
      </form>
      <ErrorBox error={error} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">User ID</th>
              <th scope="col">Status</th>
              <th scope="col">Email</th>
              <th scope="col">Enterprise</th>
              <th scope="col">Template</th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {data?.subscribers.map((s) => (
              <tr key={s.userId} data-user={s.userId}>
                <td>
                  <a href={`#/subscribers/${enc(s.userId)}`}>{s.userId}</a>
                </td>
                <td>
                  <Status value={s.status} />
                  {s.lastErrorCode && <small class="muted"> {s.lastErrorCode}</small>}
                </td>
                <td>{s.email ?? '—'}</td>
                <td>{s.enterpriseId}</td>
                <td>{s.template}</td>
                <td>
                  <RelTime at={s.lastStatusChange} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.subscribers.length === 0 && <p>No subscriber matches.</p>}
      </div>
    </section>
  );
}
