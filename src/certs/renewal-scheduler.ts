import type { Registry } from 'prom-client';
import type { Config } from '../config/schema';
import type { Logger } from '../observability';
import { notAfterMs } from './certificate-info';
import { createExpiryMonitor, type ExpiryStatus, type WatchedCertificate } from './expiry-monitor';
import type { ServerCertificateService } from './server-certificate-service';
import type { TlsContext } from './tls-context';

/** Expiry alerts for every certificate in use, and the automatic renewal of the proxy's own self-signed default. */
export interface RenewalScheduler {
  /** Checks now: gauges, log lines, and a renewal when one is due. */
  check(): ExpiryStatus[];
  last(): ExpiryStatus[];
  /** Checks every `tls.expiryCheckIntervalMs` until `stop`. */
  start(): void;
  stop(): void;
}

export function createRenewalScheduler(deps: {
  config: Config;
  logger: Logger;
  metrics: Registry;
  now: () => number;
  context: TlsContext;
  server: ServerCertificateService;
  /** Several instances: the periodic check and the renewal run on the leader only (the gauges are refreshed on each instance at every change). */
  isLeader?: () => boolean;
}): RenewalScheduler {
  const { config, logger, context, now } = deps;
  const expiry = createExpiryMonitor({ tls: config.tls, logger, metrics: deps.metrics, now });
  let lastExpiry: ExpiryStatus[] = [];
  let renewing: Promise<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const notRenewedWarned = new Set<string>();

  function watched(): WatchedCertificate[] {
    const state = context.state();
    return [
      { kind: 'server', cert: state.server.cert },
      ...state.server.chain.map((cert) => ({ kind: 'chain' as const, cert })),
      ...state.trust.map((e) => ({ kind: e.kind === 'pin' ? ('trust-pin' as const) : ('trust-anchor' as const), cert: e.cert })),
    ];
  }

  function renewIfDue(): void {
    const server = context.state().server;
    const renewDays = config.tls.autoRenewSelfSignedDays;
    if (renewDays <= 0 || renewDays >= config.tls.selfSignedDays || renewing || notAfterMs(server.cert) - now() > renewDays * 86_400_000) return;
    if (deps.isLeader && !deps.isLeader()) return;
    // Only the default the proxy generated renews itself (new key, its own names); a certificate it was given, even self-signed, is the operator's to replace.
    if (deps.server.origin() !== 'generated') {
      if (notRenewedWarned.has(server.fingerprint)) return;
      notRenewedWarned.add(server.fingerprint);
      logger.warn('the installed server certificate expires soon and is not renewed automatically: install a new one (imp-bridge cert csr, cert install)', {
        event: 'cert.server.not_auto_renewed',
        fingerprint: server.fingerprint,
        notAfter: new Date(notAfterMs(server.cert)).toISOString(),
      });
      return;
    }
    renewing = deps.server.renewSelfSigned('system').then(
      () => undefined,
      (err: unknown) => logger.error('automatic renewal of the self-signed certificate failed', { event: 'cert.self_signed.renew_failed', err }),
    );
    void renewing.finally(() => (renewing = undefined));
  }

  const scheduler: RenewalScheduler = {
    check() {
      lastExpiry = expiry.check(watched());
      renewIfDue();
      return lastExpiry;
    },
    last: () => lastExpiry,
    start() {
      scheduler.check();
      timer = setInterval(
        () => {
          if (!deps.isLeader || deps.isLeader()) scheduler.check();
        },
        Math.max(1_000, config.tls.expiryCheckIntervalMs),
      );
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
  return scheduler;
}
