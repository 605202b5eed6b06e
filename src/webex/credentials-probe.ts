import type { Registry } from 'prom-client';
import type { ReadinessCheck } from '../lifecycle/readiness';
import type { Logger } from '../observability';
import type { WebexCallObservation, WebexResult } from '../pipeline/webex-port';
import { createCredentialsVerdict, type CheckResult, type CredentialsStatus } from './credentials-verdict';

export type { CredentialsStatus, ProbeOutcome } from './credentials-verdict';

export interface CredentialsProbeDeps {
  /** The cheap call whose answer says whether the credentials work (GET /people/me through the shared limiter). */
  check: () => Promise<WebexResult<unknown>>;
  /** The configuration an operator fixes, e.g. "webex.token (IMP_BRIDGE_WEBEX_TOKEN)". */
  source: string;
  logger: Logger;
  metrics: Registry;
  /** Between checks while the credentials work (default 60 s). */
  intervalMs?: number;
  /** Between checks while they are refused or Webex cannot be reached (default 10 s). */
  failingIntervalMs?: number;
  now?: () => number;
}

export interface CredentialsProbe {
  /** Checks now (unless `first` already gave a verdict), then keeps checking on the interval. */
  start(first?: Promise<unknown>): Promise<void>;
  /** One check now (single-flight); resolves with the status after it. */
  check(): Promise<CredentialsStatus>;
  /** A GET /people/me answer obtained elsewhere (the partner org look-up at start): counts as a check. */
  record(result: CheckResult): void;
  /** Every Webex exchange: a 401 anywhere, or a success while refused, asks for a check at once. */
  observe(obs: WebexCallObservation): void;
  status(): CredentialsStatus;
  /** Called when refused credentials work again (the pipeline resumes the jobs that waited). Returns an unsubscribe. */
  onRecovered(listener: () => unknown): () => void;
  readiness: ReadinessCheck;
  close(): Promise<void>;
}

/**
 * Checks the Webex credentials at start and periodically, faster while they fail. A wrong
 * token would otherwise look healthy: the AS gets success and every job then fails. The verdict
 * feeds /readyz (not ready while refused), `impb_webex_credentials_valid` and
 * `impb_webex_credentials_checks_total{outcome}`; recovery is announced to listeners.
 */
export function createWebexCredentialsProbe(deps: CredentialsProbeDeps): CredentialsProbe {
  const intervalMs = deps.intervalMs ?? 60_000;
  const failingIntervalMs = deps.failingIntervalMs ?? 10_000;
  const verdict = createCredentialsVerdict({ source: deps.source, logger: deps.logger, metrics: deps.metrics, now: deps.now ?? Date.now });
  let inflight: Promise<CredentialsStatus> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let started = false;

  function schedule(ms: number): void {
    if (closed || !started) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void check();
    }, ms);
    timer.unref();
  }

  function check(): Promise<CredentialsStatus> {
    if (closed) return Promise.resolve(verdict.current());
    inflight ??= deps
      .check()
      .then(
        (value) => verdict.record({ ok: true, value }),
        (error: unknown) => verdict.record({ ok: false, error }),
      )
      .then(() => {
        inflight = undefined;
        schedule(verdict.verdict() === 'valid' && verdict.lastOutcome() === 'valid' ? intervalMs : failingIntervalMs);
        return verdict.current();
      });
    return inflight;
  }

  return {
    async start(first) {
      started = true;
      if (first) await first.catch(() => undefined);
      if (verdict.current().checkedAt === undefined) await check();
      else schedule(verdict.verdict() === 'valid' ? intervalMs : failingIntervalMs);
    },
    check,
    record: (result) => verdict.record(result),
    observe(obs) {
      if (closed || inflight) return;
      const ok = obs.httpStatus !== undefined && obs.httpStatus >= 200 && obs.httpStatus < 300;
      // A 401 while already refused is what the probe knows; checking again per failing job would double the calls.
      if ((obs.httpStatus === 401 && verdict.verdict() !== 'refused') || (ok && verdict.verdict() === 'refused')) void check();
    },
    status: () => ({ ...verdict.current() }),
    onRecovered: (listener) => verdict.onRecovered(listener),
    readiness: {
      name: 'webexCredentials',
      check: () => {
        const current = verdict.current();
        if (verdict.verdict() === 'refused') return current.reason ?? 'Webex credentials refused';
        if (verdict.verdict() === 'unknown' && current.checkedAt === undefined) return 'Webex credentials not checked yet';
        return true;
      },
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inflight?.catch(() => undefined);
    },
  };
}
