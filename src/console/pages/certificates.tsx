import { useState } from 'preact/hooks';
import { api } from '../api';
import type { CertificateInfo, ServerCertificate } from '../types';
import { ConfirmDialog, ErrorBox, Field, FileToText, Notice, RelTime, download, usePoll, type ConfirmRequest } from '../ui';
import { InstallChecks, type InstallCheckAnswer } from './install-checks';
import { TrustSection } from './trust';

export function CertInfo({ c }: { c: CertificateInfo }) {
  return (
    <dl class="facts">
      <dt>Subject</dt>
      <dd>{c.subject}</dd>
      <dt>SANs</dt>
      <dd>{c.subjectAltNames.join(', ') || '—'}</dd>
      <dt>Issuer</dt>
      <dd>{c.issuer}</dd>
      <dt>Expires</dt>
      <dd>
        <RelTime at={c.notAfter} /> ({c.daysLeft} days left)
      </dd>
      <dt>SHA-256</dt>
      <dd>
        <code class="fingerprint">{c.fingerprint}</code>
      </dd>
    </dl>
  );
}

export function CertificatesPage() {
  const { data, error, reload } = usePoll(() => api.get<ServerCertificate>('/certificate'), 0);
  const [cn, setCn] = useState('');
  const [sans, setSans] = useState('');
  const [csr, setCsr] = useState<string>();
  const [certPem, setCertPem] = useState('');
  const [chainPem, setChainPem] = useState('');
  const [result, setResult] = useState<{ text?: string; warnings?: string[]; error?: unknown }>({});
  const [confirm, setConfirm] = useState<ConfirmRequest>();
  const [checks, setChecks] = useState<InstallCheckAnswer>();
  return (
    <section>
      <h1>Certificates</h1>
      <ErrorBox error={error} />
      <h2>Server certificate</h2>
      {data && (
        <div class="card wide" data-testid="server-certificate">
          <p>
            {data.kind}, {data.origin}
          </p>
          <CertInfo c={data} />
          {data.chain.length > 0 && (
            <>
              <h3>Chain</h3>
              {data.chain.map((c) => (
                <CertInfo c={c} key={c.fingerprint} />
              ))}
            </>
          )}
          {data.pending && (
            <p class="notice">
              A key is waiting for its signed certificate: {data.pending.commonName} ({data.pending.keyType}), created <RelTime at={data.pending.createdAt} />.
            </p>
          )}
          {data.previous && (
            <p>
              Previous certificate: {data.previous.subject}, <code class="fingerprint">{data.previous.fingerprint}</code>{' '}
              <button
                type="button"
                class="secondary"
                onClick={() =>
                  setConfirm({
                    title: 'Roll back the server certificate',
                    body: <p>New TLS handshakes present the previous certificate and key again ({data.previous!.subject}).</p>,
                    confirmLabel: 'Roll back',
                    run: async () => {
                      await api.post('/certificate/rollback');
                      setResult({ text: 'Rolled back to the previous certificate.' });
                    },
                  })
                }
              >
                Roll back
              </button>
            </p>
          )}
        </div>
      )}
      <form
        class="card wide grid"
        aria-label="Generate a CSR"
        onSubmit={async (e) => {
          e.preventDefault();
          setResult({});
          try {
            const answer = await api.post<{ csrPem: string; warnings?: string[] }>('/certificate/csr', {
              commonName: cn,
              subjectAltNames: sans.split(/[\s,]+/).filter(Boolean),
            });
            setCsr(answer.csrPem);
            setResult({ text: 'CSR created; the new key waits on the proxy for the signed certificate.', warnings: answer.warnings });
            reload();
          } catch (err) {
            setResult({ error: err });
          }
        }}
      >
        <h3>Generate a CSR</h3>
        <Field label="Common name (the host name the AS uses)">
          <input name="commonName" required value={cn} onInput={(e) => setCn(e.currentTarget.value)} />
        </Field>
        <Field label="Subject alternative names (comma or space separated)">
          <input name="subjectAltNames" value={sans} onInput={(e) => setSans(e.currentTarget.value)} />
        </Field>
        <button type="submit">Generate CSR</button>
        {csr && (
          <div>
            <button type="button" class="secondary" onClick={() => download(`${cn || 'imp-bridge'}.csr`, csr, 'application/pkcs10')}>
              Download CSR
            </button>
            <pre class="report" data-testid="csr-pem">
              {csr}
            </pre>
          </div>
        )}
      </form>
      <form
        class="card wide grid"
        aria-label="Install a signed certificate"
        onSubmit={async (e) => {
          e.preventDefault();
          setResult({});
          setChecks(undefined);
          const input = { certPem, ...(chainPem ? { chainPem } : {}) };
          let answer: InstallCheckAnswer;
          try {
            // The same checks the install runs, shown before anything can change.
            answer = await api.post<InstallCheckAnswer>('/certificate/install', { ...input, dryRun: true });
          } catch (err) {
            setResult({ error: err });
            return;
          }
          setChecks(answer);
          if (!answer.ok) return;
          setConfirm({
            title: 'Install the signed certificate',
            body: (
              <>
                <InstallChecks answer={answer} />
                <p>
                  New TLS handshakes present it at once; the current certificate is kept for rollback. The install runs these checks again and changes nothing
                  if one fails.
                </p>
              </>
            ),
            confirmLabel: 'Check and install',
            run: async () => {
              const installed = await api.post<{ certificate: CertificateInfo; warnings: string[] }>('/certificate/install', input);
              setResult({ text: `Installed ${installed.certificate.subject} (${installed.certificate.fingerprint}).`, warnings: installed.warnings });
              setChecks(undefined);
              setCertPem('');
              setChainPem('');
            },
          });
        }}
      >
        <h3>Install the signed certificate</h3>
        <Field label="Signed certificate (PEM)">
          <textarea name="certPem" rows={6} required value={certPem} onInput={(e) => (setCertPem(e.currentTarget.value), setChecks(undefined))} />
        </Field>
        <FileToText label="…or upload the certificate file" onText={(text) => (setCertPem(text), setChecks(undefined))} />
        <Field label="Chain (PEM, intermediates)">
          <textarea name="chainPem" rows={6} value={chainPem} onInput={(e) => (setChainPem(e.currentTarget.value), setChecks(undefined))} />
        </Field>
        <FileToText label="…or upload the chain file" onText={(text) => (setChainPem(text), setChecks(undefined))} />
        <button type="submit">Install</button>
        {checks && <InstallChecks answer={checks} />}
        {checks && !checks.ok && <p class="bad">A check failed: nothing was installed. Fix the certificate or chain and try again.</p>}
      </form>
      <Notice text={result.text} />
      {result.warnings?.map((w) => (
        <p class="warn" key={w}>
          {w}
        </p>
      ))}
      <ErrorBox error={result.error} />
      <TrustSection />
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
