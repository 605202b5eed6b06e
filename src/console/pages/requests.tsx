import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, Field, RelTime, download, usePoll } from '../ui';

interface StoredRequest {
  id: number;
  receivedAt: string;
  requestId: string;
  template: string;
  reason: string;
  kind: 'unknown' | 'recorded';
  body: string;
  response?: string;
}

const slug = (r: StoredRequest) => `${r.kind}-${r.id}-${r.template}`.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80);

/** Unknown and recorded requests, masked by the proxy when stored; downloads in the fixture layout. */
export function RequestsPage() {
  const [kind, setKind] = useState<'unknown' | 'recorded'>('unknown');
  const { data, error } = usePoll(() => api.get<{ unknownRequests: StoredRequest[] }>(`/unknown-requests?kind=${kind}&withBody=true&limit=200`), 5_000, [kind]);
  const [open, setOpen] = useState<number>();
  const rows = data?.unknownRequests ?? [];
  return (
    <section>
      <h1>Unknown and recorded requests</h1>
      <div class="filters">
        <Field label="Kind">
          <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as 'unknown' | 'recorded')}>
            <option value="unknown">unknown</option>
            <option value="recorded">recorded</option>
          </select>
        </Field>
        <button
          type="button"
          class="secondary"
          disabled={!rows.length}
          onClick={() => download(`imp-bridge-${kind}-requests.json`, JSON.stringify(rows, null, 2), 'application/json')}
        >
          Export all ({rows.length}) as JSON
        </button>
      </div>
      <p class="muted">
        Passwords are masked and Authorization headers dropped when a request is stored. Dialect coverage will appear here once relay or shadow modes exist.
      </p>
      <ErrorBox error={error} />
      {rows.length === 0 && data && <p>No {kind} requests stored.</p>}
      <ul class="plain">
        {rows.map((r) => (
          <li key={r.id} class="card wide">
            <p>
              #{r.id} <RelTime at={r.receivedAt} />, template {r.template}: {r.reason}
            </p>
            <div class="actions wrap">
              <button type="button" class="secondary" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? undefined : r.id)}>
                {open === r.id ? 'Hide' : 'Show'} masked request
              </button>
              <button type="button" class="secondary" onClick={() => download(`${slug(r)}-request.xml`, r.body, 'text/xml')}>
                Download request.xml (fixture)
              </button>
              {r.response && (
                <button type="button" class="secondary" onClick={() => download(`${slug(r)}-response.xml`, r.response!, 'text/xml')}>
                  Download response.xml
                </button>
              )}
            </div>
            {open === r.id && <pre class="report">{r.body}</pre>}
          </li>
        ))}
      </ul>
    </section>
  );
}
