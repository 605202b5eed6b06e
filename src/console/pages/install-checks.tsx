import type { CertificateInfo } from '../types';

/** One check of a certificate install, as `POST /certificate/install` with `dryRun` answers it. */
export interface InstallCheck {
  check: string;
  ok: boolean;
  detail: string;
  warning?: boolean;
}

export interface InstallCheckAnswer {
  ok: boolean;
  checks: InstallCheck[];
  usedKey?: 'pending' | 'current';
  certificate?: CertificateInfo;
}

const LABELS: Record<string, string> = {
  certificate: 'Certificate',
  key: 'Key match',
  validity: 'Valid now',
  hostnames: 'Host names',
  chain: 'Chain to the CA',
  expiry: 'Expiry',
};

/** The checks the proxy ran on the uploaded certificate, failed and warning ones marked. */
export function InstallChecks({ answer }: { answer: InstallCheckAnswer }) {
  return (
    <table class="checks" data-testid="install-checks" data-ok={String(answer.ok)}>
      <caption>Checks run by the proxy (nothing installed yet)</caption>
      <thead>
        <tr>
          <th scope="col">Check</th>
          <th scope="col">Result</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {answer.checks.map((c) => (
          <tr key={c.check} data-check={c.check} data-result={c.ok ? (c.warning ? 'warning' : 'ok') : 'failed'}>
            <td>{LABELS[c.check] ?? c.check}</td>
            <td class={c.ok ? (c.warning ? 'warn' : undefined) : 'status-failed'}>{c.ok ? (c.warning ? 'warning' : 'ok') : 'failed'}</td>
            <td>{c.detail}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
