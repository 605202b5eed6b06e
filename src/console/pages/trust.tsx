import { useState } from 'preact/hooks';
import { api, enc } from '../api';
import type { CertificateInfo, TrustAnchor } from '../types';
import { ConfirmDialog, ErrorBox, Field, FileToText, Notice, RelTime, usePoll, type ConfirmRequest } from '../ui';

interface Diff {
  add: CertificateInfo[];
  remove: CertificateInfo[];
  keep: CertificateInfo[];
  refused: Array<{ subject?: string; reason: string }>;
}

export function TrustSection() {
  const { data, error, reload } = usePoll(() => api.get<{ anchors: TrustAnchor[] }>('/trust'), 0);
  const crls = usePoll(() => api.get<{ crls: Array<{ issuer: string; thisUpdate: string; nextUpdate?: string; revokedCount: number }> }>('/trust/crl'), 0);
  const [pem, setPem] = useState('');
  const [diff, setDiff] = useState<Diff>();
  const [crlPem, setCrlPem] = useState('');
  const [result, setResult] = useState<{ text?: string; error?: unknown }>({});
  const [confirm, setConfirm] = useState<ConfirmRequest>();
  const anchors = data?.anchors ?? [];
  return (
    <>
      <h2>Trust anchors</h2>
      <ErrorBox error={error} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">Kind</th>
              <th scope="col">Expires</th>
              <th scope="col">Used by clusters</th>
              <th scope="col">CRL</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {anchors.map((a) => (
              <tr key={a.fingerprint} data-fingerprint={a.fingerprint}>
                <td>
                  {a.subject}
                  <br />
                  <code class="fingerprint">{a.fingerprint}</code>
                </td>
                <td>{a.kind}</td>
                <td>
                  <RelTime at={a.notAfter} /> ({a.daysLeft} d)
                </td>
                <td>{a.usedBy.join(', ') || '—'}</td>
                <td>{a.crl ? `${a.crl.revokedCount} revoked, next ${a.crl.nextUpdate ?? '—'}` : '—'}</td>
                <td>
                  <button
                    type="button"
                    class="small danger"
                    aria-label={`Remove ${a.subject}`}
                    onClick={() =>
                      setConfirm({
                        title: 'Stop trusting this certificate',
                        body: (
                          <p>
                            Clients chaining to {a.subject} are refused from their next TLS handshake
                            {a.usedBy.length ? `; clusters using it: ${a.usedBy.join(', ')}` : ''}.
                          </p>
                        ),
                        confirmLabel: 'Remove',
                        run: async () => {
                          await api.del(`/trust/${enc(a.fingerprint)}`);
                          setResult({ text: `Removed ${a.subject}.` });
                        },
                      })
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form
        class="card wide grid"
        aria-label="Add trust anchors"
        onSubmit={async (e) => {
          e.preventDefault();
          setResult({});
          try {
            setDiff(await api.post<Diff>('/trust/diff', { pem }));
          } catch (err) {
            setResult({ error: err });
          }
        }}
      >
        <h3>Add trust anchors</h3>
        <Field label="CA certificates (PEM bundle)">
          <textarea name="trustPem" rows={6} required value={pem} onInput={(e) => (setPem(e.currentTarget.value), setDiff(undefined))} />
        </Field>
        <FileToText label="…or upload a PEM bundle" onText={(t) => (setPem(t), setDiff(undefined))} />
        <button type="submit">Preview</button>
        {diff && (
          <div class="diff" data-testid="trust-diff">
            <p>Will add: {diff.add.map((c) => c.subject).join('; ') || 'nothing'}</p>
            <p>Already trusted: {diff.keep.map((c) => c.subject).join('; ') || 'none'}</p>
            {diff.refused.map((r) => (
              <p class="error" key={r.reason}>
                Refused: {r.subject ?? ''} {r.reason}
              </p>
            ))}
            <button
              type="button"
              disabled={!diff.add.length || diff.refused.length > 0}
              onClick={async () => {
                try {
                  await api.post('/trust', { pem });
                  setResult({ text: `Trusted ${diff.add.map((c) => c.subject).join('; ')}.` });
                  setPem('');
                  setDiff(undefined);
                  reload();
                } catch (err) {
                  setResult({ error: err });
                }
              }}
            >
              Add {diff.add.length} certificate(s)
            </button>
          </div>
        )}
      </form>
      <Notice text={result.text} />
      <ErrorBox error={result.error} />
      <h2>CRLs</h2>
      <ul class="plain">
        {crls.data?.crls.map((c) => (
          <li key={c.issuer + c.thisUpdate}>
            {c.issuer}: {c.revokedCount} revoked, issued <RelTime at={c.thisUpdate} />, next update {c.nextUpdate ? <RelTime at={c.nextUpdate} /> : '—'}
          </li>
        ))}
        {crls.data?.crls.length === 0 && <li>No CRL loaded.</li>}
      </ul>
      <form
        class="inline"
        aria-label="Load a CRL"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await api.post('/trust/crl', { pem: crlPem });
            setCrlPem('');
            setResult({ text: 'CRL loaded.' });
            crls.reload();
            reload();
          } catch (err) {
            setResult({ error: err });
          }
        }}
      >
        <Field label="CRL (PEM)">
          <textarea name="crlPem" rows={3} required value={crlPem} onInput={(e) => setCrlPem(e.currentTarget.value)} />
        </Field>
        <button type="submit">Load CRL</button>
      </form>
      <ConfirmDialog
        request={confirm}
        onDone={(r) => {
          setConfirm(undefined);
          if (r?.error) setResult({ error: r.error });
          reload();
        }}
      />
    </>
  );
}
