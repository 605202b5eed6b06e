import { Counter, Gauge, type Registry } from 'prom-client';
import { isImpbError, isWebexError } from '../errors';
import type { Logger } from '../observability';
import type { WebexResult } from '../pipeline/webex-port';

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

export type CheckResult = { ok: true; value: WebexResult<unknown> } | { ok: false; error: unknown };

/** What the probe knows of the credentials: the verdict, the facts of the last check, who waits for recovery. */
export interface CredentialsVerdict {
  record(result: CheckResult): void;
  /** The last status (not a copy). */
  current(): CredentialsStatus;
  verdict(): 'unknown' | 'valid' | 'refused';
  lastOutcome(): ProbeOutcome | undefined;
  onRecovered(listener: () => unknown): () => void;
}

export interface CredentialsVerdictDeps {
  source: string;
  logger: Logger;
  metrics: Registry;
  now: () => number;
}

/**
 * Turns check results into the verdict: only valid and refused change it (unreachable and
 * inconclusive say nothing about the credentials), with the log lines and metrics of each change.
 */
export function createCredentialsVerdict(deps: CredentialsVerdictDeps): CredentialsVerdict {
  const { logger } = deps;
  const { valid, checks } = credentialsMetrics(deps.metrics);
  let warnedInconclusive = false;
  let current: CredentialsStatus = { ok: false, reason: 'Webex credentials not checked yet' };
  let verdict: 'unknown' | 'valid' | 'refused' = 'unknown';
  let lastOutcome: ProbeOutcome | undefined;
  const listeners = new Set<() => unknown>();

  function noVerdict(outcome: 'unreachable' | 'inconclusive', checkedAt: string, facts: Omit<CredentialsStatus, 'ok' | 'checkedAt'>, err?: unknown): void {
    // Says nothing about the credentials: the verdict stands, the facts say why no check passed.
    current = { ...current, checkedAt, ...facts, ok: verdict === 'valid' };
    if (outcome === 'inconclusive' && !warnedInconclusive) {
      warnedInconclusive = true;
      logger.warn(`${current.reason}; the credentials are judged by the provisioning calls instead`, { event: 'webex.credentials.inconclusive', err });
    } else {
      logger.debug('Webex credentials check: no verdict', { event: `webex.credentials.${outcome}`, err });
    }
  }

  function apply(outcome: ProbeOutcome, facts: Omit<CredentialsStatus, 'ok' | 'checkedAt'>, err?: unknown): void {
    const checkedAt = new Date(deps.now()).toISOString();
    checks.inc({ outcome });
    const before = verdict;
    lastOutcome = outcome;
    if (outcome === 'unreachable' || outcome === 'inconclusive') return noVerdict(outcome, checkedAt, facts, err);
    verdict = outcome;
    valid.set(outcome === 'valid' ? 1 : 0);
    current = { ok: outcome === 'valid', checkedAt, ...facts };
    if (outcome === 'refused' && before !== 'refused') {
      logger.error(current.reason!, {
        event: 'webex.credentials.refused',
        httpStatus: facts.httpStatus,
        errorCode: facts.errorCode,
        trackingId: facts.trackingId,
      });
    } else if (outcome === 'valid' && before === 'refused') {
      logger.info(`Webex accepts the credentials again${listeners.size ? ': resuming the jobs that waited for them' : ''}`, {
        event: 'webex.credentials.recovered',
        trackingId: facts.trackingId,
      });
      notifyRecovered(listeners, logger);
    } else if (outcome === 'valid' && before === 'unknown') {
      logger.info('Webex accepts the credentials', { event: 'webex.credentials.valid', trackingId: facts.trackingId });
    }
  }

  return {
    record(result) {
      if (result.ok) apply('valid', { httpStatus: result.value.httpStatus, trackingId: result.value.trackingId });
      else apply(outcomeOf(result.error), failureFacts(result.error, deps.source), result.error);
    },
    current: () => current,
    verdict: () => verdict,
    lastOutcome: () => lastOutcome,
    onRecovered(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The facts and the operator's reason of a failed check. */
function failureFacts(err: unknown, source: string): Omit<CredentialsStatus, 'ok' | 'checkedAt'> {
  const outcome = outcomeOf(err);
  const facts = {
    httpStatus: isWebexError(err) ? err.httpStatus : undefined,
    errorCode: isImpbError(err) ? err.code : undefined,
    trackingId: isWebexError(err) ? err.trackingId : undefined,
  };
  const tracking = facts.trackingId ? ` — TrackingID ${facts.trackingId}` : '';
  if (outcome === 'refused') return { ...facts, reason: `Webex credentials refused (401): fix ${source}${tracking}` };
  if (outcome === 'inconclusive')
    return { ...facts, reason: `Webex answered ${facts.httpStatus} to GET /people/me, which does not say whether the credentials work${tracking}` };
  return { ...facts, reason: `Webex could not be asked whether the credentials work (${facts.errorCode ?? (err as Error)?.message ?? 'error'})` };
}

function notifyRecovered(listeners: Set<() => unknown>, logger: Logger): void {
  for (const listener of listeners) {
    try {
      Promise.resolve(listener()).catch((err: unknown) =>
        logger.error('a listener of the Webex credentials recovery failed', { event: 'webex.credentials.listener_failed', err }),
      );
    } catch (err) {
      logger.error('a listener of the Webex credentials recovery failed', { event: 'webex.credentials.listener_failed', err });
    }
  }
}

function credentialsMetrics(registry: Registry) {
  const valid = getOrCreate(
    registry,
    'impb_webex_credentials_valid',
    () =>
      new Gauge({
        name: 'impb_webex_credentials_valid',
        help: 'Whether Webex accepted the credentials at the last check (1) or refused them (0)',
        registers: [registry],
      }),
  );
  const checks = getOrCreate(
    registry,
    'impb_webex_credentials_checks_total',
    () =>
      new Counter({
        name: 'impb_webex_credentials_checks_total',
        help: 'Webex credential checks by outcome (valid, refused, unreachable, inconclusive)',
        labelNames: ['outcome'],
        registers: [registry],
      }),
  );
  for (const outcome of OUTCOMES) checks.inc({ outcome }, 0);
  return { valid, checks };
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
