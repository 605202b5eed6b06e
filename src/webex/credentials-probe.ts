import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReadinessCheck } from '../admin/health-routes';
import { isImpbError, isWebexError } from '../errors';
import type { Logger } from '../observability';
import type { WebexCallObservation, WebexResult } from '../pipeline/webex-port';

/** The last verdict on the Webex credentials, secret-free (readyz, metrics, a future `doctor`). */
export interface CredentialsStatus {
  /** True when Webex accepted the credentials at the last verdict; false when refused or not known yet. */
  ok: boolean;
  /** ISO time of the last check that reached a verdict or failed; undefined before the first. */
  checkedAt?: string;
  httpStatus?: number;
  errorCode?: string;
  trackingId?: string;
  /** Why not ok, in the operator's words (what to fix). */
  reason?: string;
}

/**
 * valid: 2xx. refused: 401 (after a token refresh where the source can refresh). unreachable: no
 * answer, 429 or 5xx. inconclusive: another refusal, e.g. 403 from a token without the People
 * scope — provisioning may still work, so it is not taken as refused credentials.
 */
export type ProbeOutcome = 'valid' | 'refused' | 'unreachable' | 'inconclusive';
const OUTCOMES: ProbeOutcome[] = ['valid', 'refused', 'unreachable', 'inconclusive'];

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
  record(result: { ok: true; value: WebexResult<unknown> } | { ok: false; error: unknown }): void;
  /** Every Webex exchange: a 401 anywhere, or a success while refused, asks for a check at once. */
  observe(obs: WebexCallObservation): void;
  status(): CredentialsStatus;
  /** Called when refused credentials work again (the pipeline resumes the jobs that waited). Returns an unsubscribe. */
  onRecovered(listener: () => unknown): () => void;
  readiness: ReadinessCheck;
  close(): Promise<void>;
}

function outcomeOf(err: unknown): Exclude<ProbeOutcome, 'valid'> {
  if (isImpbError(err, 'IMPB_ERR_WEBEX_UNAUTHORIZED') || (isWebexError(err) && err.httpStatus === 401)) return 'refused';
  const status = isWebexError(err) ? err.httpStatus : undefined;
  if (status === undefined || status === 429 || status >= 500) return 'unreachable';
  return 'inconclusive';
}

function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
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
  const now = deps.now ?? Date.now;
  const { logger } = deps;
  const valid = getOrCreate(deps.metrics, 'impb_webex_credentials_valid', () => new Gauge({ name: 'impb_webex_credentials_valid', help: 'Whether Webex accepted the credentials at the last check (1) or refused them (0)', registers: [deps.metrics] }));
  const checks = getOrCreate(
    deps.metrics,
    'impb_webex_credentials_checks_total',
    () => new Counter({ name: 'impb_webex_credentials_checks_total', help: 'Webex credential checks by outcome (valid, refused, unreachable, inconclusive)', labelNames: ['outcome'], registers: [deps.metrics] }),
  );
  for (const outcome of OUTCOMES) checks.inc({ outcome }, 0);
  let warnedInconclusive = false;

  let current: CredentialsStatus = { ok: false, reason: 'Webex credentials not checked yet' };
  let verdict: 'unknown' | 'valid' | 'refused' = 'unknown';
  let lastOutcome: ProbeOutcome | undefined;
  let inflight: Promise<CredentialsStatus> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let started = false;
  const listeners = new Set<() => unknown>();

  function notifyRecovered(): void {
    for (const listener of listeners) {
      try {
        Promise.resolve(listener()).catch((err: unknown) => logger.error('a listener of the Webex credentials recovery failed', { event: 'webex.credentials.listener_failed', err }));
      } catch (err) {
        logger.error('a listener of the Webex credentials recovery failed', { event: 'webex.credentials.listener_failed', err });
      }
    }
  }

  function apply(outcome: ProbeOutcome, facts: Omit<CredentialsStatus, 'ok' | 'checkedAt'>, err?: unknown): void {
    const checkedAt = new Date(now()).toISOString();
    checks.inc({ outcome });
    const before = verdict;
    lastOutcome = outcome;
    if (outcome === 'unreachable' || outcome === 'inconclusive') {
      // Says nothing about the credentials: the verdict stands, the facts say why no check passed.
      current = { ...current, checkedAt, ...facts, ok: verdict === 'valid' };
      if (outcome === 'inconclusive' && !warnedInconclusive) {
        warnedInconclusive = true;
        logger.warn(`${current.reason}; the credentials are judged by the provisioning calls instead`, { event: 'webex.credentials.inconclusive', err });
      } else {
        logger.debug('Webex credentials check: no verdict', { event: `webex.credentials.${outcome}`, err });
      }
      return;
    }
    verdict = outcome;
    valid.set(outcome === 'valid' ? 1 : 0);
    current = { ok: outcome === 'valid', checkedAt, ...facts };
    if (outcome === 'refused' && before !== 'refused') {
      logger.error(current.reason!, { event: 'webex.credentials.refused', httpStatus: facts.httpStatus, errorCode: facts.errorCode, trackingId: facts.trackingId });
    } else if (outcome === 'valid' && before === 'refused') {
      logger.info(`Webex accepts the credentials again${listeners.size ? ': resuming the jobs that waited for them' : ''}`, { event: 'webex.credentials.recovered', trackingId: facts.trackingId });
      notifyRecovered();
    } else if (outcome === 'valid' && before === 'unknown') {
      logger.info('Webex accepts the credentials', { event: 'webex.credentials.valid', trackingId: facts.trackingId });
    }
  }

  function record(result: { ok: true; value: WebexResult<unknown> } | { ok: false; error: unknown }): void {
    if (result.ok) {
      apply('valid', { httpStatus: result.value.httpStatus, trackingId: result.value.trackingId });
      return;
    }
    const err = result.error;
    const outcome = outcomeOf(err);
    const facts = {
      httpStatus: isWebexError(err) ? err.httpStatus : undefined,
      errorCode: isImpbError(err) ? err.code : undefined,
      trackingId: isWebexError(err) ? err.trackingId : undefined,
    };
    const tracking = facts.trackingId ? ` — TrackingID ${facts.trackingId}` : '';
    if (outcome === 'refused') apply(outcome, { ...facts, reason: `Webex credentials refused (401): fix ${deps.source}${tracking}` }, err);
    else if (outcome === 'inconclusive') apply(outcome, { ...facts, reason: `Webex answered ${facts.httpStatus} to GET /people/me, which does not say whether the credentials work${tracking}` }, err);
    else apply(outcome, { ...facts, reason: `Webex could not be asked whether the credentials work (${facts.errorCode ?? (err as Error)?.message ?? 'error'})` }, err);
  }

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
    if (closed) return Promise.resolve(current);
    inflight ??= deps
      .check()
      .then(
        (value) => record({ ok: true, value }),
        (error: unknown) => record({ ok: false, error }),
      )
      .then(() => {
        inflight = undefined;
        schedule(verdict === 'valid' && lastOutcome === 'valid' ? intervalMs : failingIntervalMs);
        return current;
      });
    return inflight;
  }

  return {
    async start(first) {
      started = true;
      if (first) await first.catch(() => undefined);
      if (current.checkedAt === undefined) await check();
      else schedule(verdict === 'valid' ? intervalMs : failingIntervalMs);
    },
    check,
    record,
    observe(obs) {
      if (closed || inflight) return;
      const ok = obs.httpStatus !== undefined && obs.httpStatus >= 200 && obs.httpStatus < 300;
      // A 401 while already refused is what the probe knows; checking again per failing job would double the calls.
      if ((obs.httpStatus === 401 && verdict !== 'refused') || (ok && verdict === 'refused')) void check();
    },
    status: () => ({ ...current }),
    onRecovered(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    readiness: {
      name: 'webexCredentials',
      check: () => {
        if (verdict === 'refused') return current.reason ?? 'Webex credentials refused';
        if (verdict === 'unknown' && current.checkedAt === undefined) return 'Webex credentials not checked yet';
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
