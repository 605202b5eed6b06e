import net from 'node:net';
import type { X509Certificate } from 'node:crypto';
import { coversName } from '../certs/certificate-info';
import { isLoopbackHost } from '../config/schema';
import { toIsoTime } from '../domain';
import type { DoctorCheck, DoctorDeps, DoctorRequestFacts } from './doctor-types';

const DAY_MS = 86_400_000;

const connectHost = (host: string) => (host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host);

function tcpReachable(host: string, port: number, timeoutMs = 3_000): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: connectHost(host), port });
    const done = (result: true | string) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(true));
    socket.once('error', (err) => done(err.message));
  });
}

export async function checkListeners(deps: DoctorDeps, facts: DoctorRequestFacts): Promise<DoctorCheck[]> {
  const { provisioning, admin } = deps.config;
  const checks: DoctorCheck[] = [];
  const base = deps.provisioningBaseUrl();
  const port = base ? Number(new URL(base).port || 443) : undefined;
  if (port === undefined) {
    checks.push({
      name: 'listener.provisioning',
      status: 'fail',
      message: 'the provisioning listener is not up',
      fix: 'look at the start-up log (provisioning.host / provisioning.port, IMP_BRIDGE_HOST / IMP_BRIDGE_PORT)',
    });
  } else {
    const reach = await tcpReachable(provisioning.host, port);
    const where = `${provisioning.host}:${port}`;
    const urlHost = new URL(base!).hostname.replace(/^\[|\]$/g, '');
    const details = { host: provisioning.host, port, url: base };
    if (reach !== true) {
      checks.push({
        name: 'listener.provisioning',
        status: 'fail',
        message: `provisioning listener on ${where} does not accept connections (${reach})`,
        fix: 'check that nothing else holds the port and that provisioning.host (IMP_BRIDGE_HOST) is an address of this host',
        details,
      });
    } else if (isLoopbackHost(urlHost)) {
      // Up, but the URL handed to the AS names this host's loopback: no AS can reach it.
      checks.push({
        name: 'listener.provisioning',
        status: 'warn',
        message: `mTLS provisioning listener up on ${where}, but the provisioning URL ${base} names a loopback address no AS can reach`,
        fix: 'set provisioning.publicHostname (IMP_BRIDGE_PUBLIC_HOSTNAME) to the name the AS resolves for this host',
        details,
      });
    } else {
      checks.push({
        name: 'listener.provisioning',
        status: 'ok',
        message: `mTLS provisioning listener up on ${where}; the AS uses ${base}/provisioning/v1/<template>`,
        details,
      });
    }
  }
  const adminWhere = `${admin.host}:${facts.adminAddress?.port ?? admin.port}`;
  checks.push(
    isLoopbackHost(admin.host)
      ? {
          name: 'listener.admin',
          status: 'ok',
          message: `admin listener up on ${adminWhere} (loopback only)`,
          details: { host: admin.host, port: facts.adminAddress?.port ?? admin.port },
        }
      : {
          name: 'listener.admin',
          status: 'warn',
          message: `admin listener up on ${adminWhere}: reachable from other hosts (bearer token required)`,
          fix: 'keep it behind a firewall, or set admin.host (IMP_BRIDGE_ADMIN_HOST) to 127.0.0.1 when nothing remote needs it',
          details: { host: admin.host, port: facts.adminAddress?.port ?? admin.port },
        },
  );
  return checks;
}

/** The host name the AS uses: provisioning.publicHostname, else the provisioning URL's host. */
function publicName(deps: DoctorDeps): string | undefined {
  if (deps.config.provisioning.publicHostname) return deps.config.provisioning.publicHostname;
  const base = deps.provisioningBaseUrl();
  return base ? new URL(base).hostname.replace(/^\[|\]$/g, '') : undefined;
}

function safeCovers(cert: X509Certificate, name: string): boolean {
  try {
    return coversName(cert, name);
  } catch {
    return false;
  }
}

export function checkServerCertificate(deps: DoctorDeps, now: number): DoctorCheck[] {
  if (!deps.certs)
    return [
      { name: 'certificate.expiry', status: 'fail', message: 'the certificate part is not wired in this process', fix: 'run doctor against the running proxy' },
    ];
  const view = deps.certs.show();
  const { expiryWarnDays, expiryErrorDays, autoRenewSelfSignedDays } = deps.config.tls;
  const msLeft = Date.parse(view.notAfter) - now;
  const days = Math.floor(msLeft / DAY_MS);
  const renews = view.origin === 'generated' && autoRenewSelfSignedDays > 0;
  const renewFix =
    view.origin === 'generated'
      ? 'imp-bridge cert renew-self-signed'
      : 'have the certificate renewed, then imp-bridge cert install <cert.pem> --chain <chain.pem>';
  const details = { subject: view.subject, fingerprint: view.fingerprint, notAfter: view.notAfter, daysLeft: days, origin: view.origin };
  const checks: DoctorCheck[] = [];
  if (msLeft <= 0)
    checks.push({
      name: 'certificate.expiry',
      status: 'fail',
      message: `server certificate expired on ${view.notAfter}: every AS handshake fails`,
      fix: renewFix,
      details,
    });
  else if (days < expiryErrorDays)
    checks.push({
      name: 'certificate.expiry',
      status: 'fail',
      message: `server certificate expires in ${days} day(s) (${view.notAfter}), under tls.expiryErrorDays (${expiryErrorDays})`,
      fix: renewFix,
      details,
    });
  else if (days < expiryWarnDays && !renews)
    checks.push({
      name: 'certificate.expiry',
      status: 'warn',
      message: `server certificate expires in ${days} days (${view.notAfter})`,
      fix: renewFix,
      details,
    });
  else
    checks.push({
      name: 'certificate.expiry',
      status: 'ok',
      message: `server certificate valid for ${days} more days (until ${view.notAfter})${renews ? '; renews itself' : ''}`,
      details,
    });

  const name = publicName(deps);
  const sans = view.subjectAltNames;
  if (!name)
    checks.push({
      name: 'certificate.names',
      status: 'warn',
      message: 'no public host name known to check the certificate against',
      fix: 'set provisioning.publicHostname (IMP_BRIDGE_PUBLIC_HOSTNAME) to the name the AS uses',
    });
  else if (safeCovers(deps.certs.serverCertificate(), name))
    checks.push({
      name: 'certificate.names',
      status: 'ok',
      message: `server certificate covers ${name} (SANs: ${sans.join(', ')})`,
      details: { publicHostname: name, subjectAltNames: sans },
    });
  else
    checks.push({
      name: 'certificate.names',
      status: 'fail',
      message: `server certificate does not cover ${name}, the host name the AS uses (SANs: ${sans.join(', ') || 'none'}): the AS refuses the handshake`,
      fix:
        view.origin === 'generated'
          ? `set provisioning.publicHostname to ${name}, then imp-bridge cert renew-self-signed`
          : `imp-bridge cert csr --cn ${name} --san ${name}, have it signed, then imp-bridge cert install; or correct provisioning.publicHostname`,
      details: { publicHostname: name, subjectAltNames: sans },
    });
  return checks;
}

export async function checkTrust(deps: DoctorDeps, now: number): Promise<DoctorCheck[]> {
  if (deps.config.provisioning.clientCertificate === 'off')
    return [
      {
        name: 'trust',
        status: 'warn',
        message: 'client certificates are not checked (provisioning.clientCertificate: off): any client that knows a password gets in',
        fix: 'set provisioning.clientCertificate to required and add the AS CA with imp-bridge trust add',
      },
    ];
  if (!deps.certs) return [];
  const list = await deps.certs.trustList();
  const valid = list.filter((t) => Date.parse(t.notAfter) > now);
  const expired = list.filter((t) => Date.parse(t.notAfter) <= now);
  const soon = valid.filter((t) => t.daysLeft < deps.config.tls.expiryWarnDays);
  const details = {
    anchors: list.filter((t) => t.kind === 'anchor').length,
    pins: list.filter((t) => t.kind === 'pin').length,
    expired: expired.map((t) => t.fingerprint),
    expiringSoon: soon.map((t) => t.fingerprint),
  };
  if (list.length === 0)
    return [
      {
        name: 'trust',
        status: 'warn',
        message: 'no trust anchors configured: no AS client certificate can be verified',
        fix: 'imp-bridge trust add <as-ca.pem>',
        details,
      },
    ];
  if (valid.length === 0)
    return [
      {
        name: 'trust',
        status: 'fail',
        message: `all ${list.length} trust anchor(s) expired: every AS handshake is refused`,
        fix: 'imp-bridge trust add <the AS CA’s current certificate>',
        details,
      },
    ];
  if (expired.length || soon.length) {
    const parts = [
      ...(expired.length ? [`${expired.length} expired (${expired.map((t) => t.subject).join('; ')})`] : []),
      ...(soon.length ? [`${soon.length} expiring within ${deps.config.tls.expiryWarnDays} days`] : []),
    ];
    return [
      {
        name: 'trust',
        status: 'warn',
        message: `${list.length} trust anchor(s): ${parts.join(', ')}`,
        fix: 'add the renewed CA with imp-bridge trust add, then imp-bridge trust remove <fingerprint> for the old one',
        details,
      },
    ];
  }
  const firstExpiry = valid.map((t) => t.notAfter).sort()[0];
  return [{ name: 'trust', status: 'ok', message: `${list.length} trust anchor(s), first expiry ${firstExpiry}`, details }];
}

const ageText = (ms: number) =>
  ms < 60_000
    ? `${Math.round(ms / 1000)} s`
    : ms < 3_600_000
      ? `${Math.round(ms / 60_000)} min`
      : ms < DAY_MS
        ? `${(ms / 3_600_000).toFixed(1)} h`
        : `${(ms / DAY_MS).toFixed(1)} days`;

export async function checkQueue(deps: DoctorDeps, now: number): Promise<DoctorCheck[]> {
  const [pending, oldest, byState] = await Promise.all([
    deps.store.jobs.countPending(),
    deps.store.jobs.oldestPendingCreatedAt(),
    deps.store.jobs.countByState(),
  ]);
  const ageMs = oldest ? Math.max(0, now - oldest) : 0;
  const failed = byState.failed ?? 0;
  const details = { pending, oldestPendingCreatedAt: toIsoTime(oldest), oldestAgeMs: ageMs, byState };
  const checks: DoctorCheck[] = [];
  const horizon = deps.config.pipeline.attemptHorizonMs;
  if (pending && ageMs > horizon / 2)
    checks.push({
      name: 'queue',
      status: 'fail',
      message: `${pending} unfinished job(s); the oldest is ${ageText(ageMs)} old, past half the attempt horizon (pipeline.attemptHorizonMs)`,
      fix: 'imp-bridge jobs list --state retry_wait shows why they wait (Webex errors, credentials); fix the cause',
      details,
    });
  else if (pending && ageMs > 3_600_000)
    checks.push({
      name: 'queue',
      status: 'warn',
      message: `${pending} unfinished job(s); the oldest is ${ageText(ageMs)} old`,
      fix: 'imp-bridge jobs list shows why they wait',
      details,
    });
  else
    checks.push({
      name: 'queue',
      status: 'ok',
      message: pending ? `${pending} unfinished job(s); the oldest is ${ageText(ageMs)} old` : 'queue empty',
      details,
    });
  if (failed)
    checks.push({
      name: 'queue.failed',
      status: 'warn',
      message: `${failed} job(s) failed for good`,
      fix: 'imp-bridge jobs list --state failed, fix the cause, then imp-bridge jobs retry',
      details: { failed },
    });
  return checks;
}
