import { useState } from 'preact/hooks';
import { api, enc } from '../api';
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

interface CoverageRow {
  name: string;
  understood: number;
  notUnderstood: number;
  firstSeen: string;
  lastSeen: string;
  example?: string;
}

interface DialectCoverage {
  template?: string;
  since: string;
  until: string;
  requests: { total: number; understood: number; notUnderstood: number };
  commandTypes: CoverageRow[];
  elements: CoverageRow[];
  unknownShapes: Array<{ shape: string; count: number; firstSeen: string; lastSeen: string; example?: string }>;
  verdict: { complete: boolean; text: string; gaps: string[] };
}

function CoverageTable({ caption, rows, testid }: { caption: string; rows: CoverageRow[]; testid: string }) {
  return (
    <div class="table-wrap">
      <table data-testid={testid}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Understood</th>
            <th scope="col">Not understood</th>
            <th scope="col">First seen</th>
            <th scope="col">Last seen</th>
            <th scope="col">Masked example</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={6} class="muted">
                None seen in this window.
              </td>
            </tr>
          )}
          {rows.map((r) => (
            <tr key={r.name} data-name={r.name}>
              <td>
                <code>{r.name}</code>
              </td>
              <td>{r.understood}</td>
              <td class={r.notUnderstood ? 'bad' : undefined}>{r.notUnderstood}</td>
              <td>
                <RelTime at={r.firstSeen} />
              </td>
              <td>
                <RelTime at={r.lastSeen} />
              </td>
              <td>
                {r.example ? (
                  <details>
                    <summary>Show</summary>
                    <pre class="report">{r.example}</pre>
                  </details>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Dialect coverage from shadow mode, as the admin API computes it: the console only shows it. */
function DialectCoverageView() {
  const templates = usePoll(() => api.get<{ templates: Array<{ name: string }> }>('/templates'), 0).data?.templates ?? [];
  const [template, setTemplate] = useState('');
  const [sinceDraft, setSinceDraft] = useState('7d');
  const [since, setSince] = useState('7d');
  const query = `?since=${enc(since)}${template ? `&template=${enc(template)}` : ''}`;
  const { data, error } = usePoll(() => api.get<DialectCoverage>(`/dialect/coverage${query}`), 10_000, [query]);
  return (
    <section aria-labelledby="coverage-title" data-testid="dialect-coverage">
      <h2 id="coverage-title">Dialect coverage</h2>
      <form
        class="filters"
        aria-label="Dialect coverage window"
        onSubmit={(e) => {
          e.preventDefault();
          setSince(sinceDraft);
        }}
      >
        <Field label="Template">
          <select name="coverageTemplate" value={template} onChange={(e) => setTemplate(e.currentTarget.value)}>
            <option value="">all templates</option>
            {templates.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Since" hint="e.g. 7d, 36h, 90m">
          <input name="since" value={sinceDraft} onInput={(e) => setSinceDraft(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="secondary">
          Show coverage
        </button>
      </form>
      <ErrorBox error={error} />
      {data && !error && (
        <div>
          <p data-testid="coverage-verdict" data-complete={String(data.verdict.complete)} class={data.verdict.complete ? undefined : 'warn'}>
            {data.verdict.text}
          </p>
          <p class="muted">
            {data.requests.total} request(s) from <RelTime at={data.since} /> to <RelTime at={data.until} />: {data.requests.understood} understood,{' '}
            {data.requests.notUnderstood} not understood.
          </p>
          {data.verdict.gaps.length > 0 && (
            <ul>
              {data.verdict.gaps.map((g) => (
                <li key={g}>{g}</li>
              ))}
            </ul>
          )}
          <CoverageTable caption="Per command type" rows={data.commandTypes} testid="coverage-command-types" />
          <CoverageTable caption="Per element" rows={data.elements} testid="coverage-elements" />
          {data.unknownShapes.length > 0 && (
            <div>
              <h3>Unknown shapes</h3>
              <ul class="plain">
                {data.unknownShapes.map((s) => (
                  <li key={s.shape} class="card wide" data-shape={s.shape}>
                    <p>
                      <code>{s.shape}</code>: {s.count} request(s), first <RelTime at={s.firstSeen} />, last <RelTime at={s.lastSeen} />
                    </p>
                    {s.example ? <pre class="report">{s.example}</pre> : <p class="muted">No masked example stored.</p>}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

/** Unknown and recorded requests, masked by the proxy when stored; downloads in the fixture layout. */
export function RequestsPage() {
  const [kind, setKind] = useState<'unknown' | 'recorded'>('unknown');
  const { data, error } = usePoll(() => api.get<{ unknownRequests: StoredRequest[] }>(`/unknown-requests?kind=${kind}&withBody=true&limit=200`), 5_000, [kind]);
  const [open, setOpen] = useState<number>();
  const rows = data?.unknownRequests ?? [];
  return (
    <section>
      <h1>Unknown and recorded requests</h1>
      <DialectCoverageView />
      <h2>Stored requests</h2>
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
      <p class="muted">Passwords are masked and Authorization headers dropped when a request is stored.</p>
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
