import type { X509Certificate } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import type { Config } from '../config/schema';
import type { Logger } from '../observability';
import { describeCertificate, fingerprintOf, notAfterMs } from './certificate-info';

export type CertificateKind = 'server' | 'chain' | 'trust-anchor' | 'trust-pin';

export interface WatchedCertificate {
  kind: CertificateKind;
  cert: X509Certificate;
}

export interface ExpiryStatus {
  kind: CertificateKind;
  fingerprint: string;
  subject: string;
  notAfter: string;
  secondsLeft: number;
  level: 'ok' | 'warn' | 'error' | 'expired';
}

const DAY_MS = 86_400_000;

function gauge(registry: Registry, name: string, help: string): Gauge<'kind' | 'fingerprint'> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<'kind' | 'fingerprint'>;
  return new Gauge({ name, help, labelNames: ['kind', 'fingerprint'], registers: [registry] });
}

/**
 * Expiry of the server certificate, its chain and every trust anchor: gauges per certificate
 * (not_after for alert rules, seconds left as a convenience) and one log line per certificate
 * and level per day.
 */
export function createExpiryMonitor(deps: { tls: Config['tls']; logger: Logger; metrics: Registry; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const secondsLeftGauge = gauge(deps.metrics, 'impb_certificate_expiry_seconds', 'Seconds until the certificate expires (negative once expired)');
  const notAfterGauge = gauge(deps.metrics, 'impb_certificate_not_after_timestamp_seconds', 'Certificate notAfter as a Unix timestamp');
  const loggedOn = new Map<string, string>();

  return {
    check(certificates: WatchedCertificate[]): ExpiryStatus[] {
      const t = now();
      const day = new Date(t).toISOString().slice(0, 10);
      secondsLeftGauge.reset();
      notAfterGauge.reset();
      const statuses: ExpiryStatus[] = [];
      for (const { kind, cert } of certificates) {
        const fingerprint = fingerprintOf(cert);
        const notAfter = notAfterMs(cert);
        const secondsLeft = Math.floor((notAfter - t) / 1000);
        secondsLeftGauge.set({ kind, fingerprint }, secondsLeft);
        notAfterGauge.set({ kind, fingerprint }, Math.floor(notAfter / 1000));
        const left = notAfter - t;
        const level: ExpiryStatus['level'] =
          left <= 0 ? 'expired' : left <= deps.tls.expiryErrorDays * DAY_MS ? 'error' : left <= deps.tls.expiryWarnDays * DAY_MS ? 'warn' : 'ok';
        const { subject } = describeCertificate(cert, t);
        statuses.push({ kind, fingerprint, subject, notAfter: new Date(notAfter).toISOString(), secondsLeft, level });
        if (level === 'ok') continue;
        const key = `${kind}|${fingerprint}|${level}`;
        if (loggedOn.get(key) === day) continue;
        loggedOn.set(key, day);
        const daysLeft = Math.floor(left / DAY_MS);
        const message = level === 'expired' ? `${kind} certificate has expired` : `${kind} certificate expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`;
        const fields = { event: 'cert.expiry', kind, level, subject, fingerprint, notAfter: new Date(notAfter).toISOString(), daysLeft };
        if (level === 'warn') deps.logger.warn(message, fields);
        else deps.logger.error(message, fields);
      }
      return statuses;
    },
  };
}
export type ExpiryMonitor = ReturnType<typeof createExpiryMonitor>;
