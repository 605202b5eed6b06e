import { isWebexError } from '../errors';
import type { DoctorCheck, DoctorDeps, DoctorWebex } from './doctor-types';

// The checks that call Webex, and the clock check that reads the Date header of that same call.

/** What the Webex call saw of Webex's clock: its Date header and when the call ran. */
export interface ClockSample {
  serverDate?: string;
  startedAt?: number;
  endedAt?: number;
  unavailable?: string;
}

export const CLOCK_WARN_MS = 5_000;
export const CLOCK_FAIL_MS = 60_000;

export async function checkWebex(deps: DoctorDeps, now: () => number): Promise<{ checks: DoctorCheck[]; clock: ClockSample }> {
  const webex = deps.webex;
  if (!webex)
    return {
      checks: [{ name: 'webex', status: 'fail', message: 'the Webex part is not wired in this process', fix: 'run doctor against the running proxy' }],
      clock: { unavailable: 'no Webex client' },
    };
  const timeoutMs = deps.webexTimeoutMs ?? 10_000;
  const startedAt = now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const me = await Promise.race([webex.client.people.me(), timeout]);
    const endedAt = now();
    const target = webex.simulated ? `the built-in simulator at ${webex.baseUrl}` : webex.baseUrl;
    const details = { baseUrl: webex.baseUrl, simulated: webex.simulated, orgId: me.data.orgId, trackingId: me.trackingId, durationMs: endedAt - startedAt };
    const check: DoctorCheck = webex.simulated
      ? {
          name: 'webex',
          status: 'warn',
          message: `no Webex credentials: provisioning goes to ${target}, not to Webex (GET /people/me answered in ${endedAt - startedAt} ms)`,
          fix: 'set IMP_BRIDGE_WEBEX_TOKEN (or webex.oauth / webex.serviceApp) to provision real subscribers',
          details,
        }
      : {
          name: 'webex',
          status: 'ok',
          message: `Webex at ${target} accepts the credentials (GET /people/me in ${endedAt - startedAt} ms, TrackingID ${me.trackingId})`,
          details,
        };
    return { checks: [check], clock: { serverDate: me.serverDate, startedAt, endedAt } };
  } catch (err) {
    return { checks: [webexFailure(webex, err)], clock: { unavailable: 'Webex did not answer GET /people/me' } };
  } finally {
    clearTimeout(timer);
  }
}

function webexFailure(webex: DoctorWebex, err: unknown): DoctorCheck {
  const source = webex.tokenSource ?? 'the Webex credentials';
  const base = { name: 'webex', status: 'fail' as const };
  if (!isWebexError(err)) {
    // The call waits its turn in the shared rate limit: a busy pipeline can delay it too.
    const fix =
      'check that webex.baseUrl (IMP_BRIDGE_WEBEX_BASE_URL) is reachable from this host; with a long queue, the shared limit (pipeline.ratePerSecond) may have delayed the call: run doctor again';
    return { ...base, message: `GET /people/me at ${webex.baseUrl}: ${(err as Error).message}`, fix, details: { baseUrl: webex.baseUrl } };
  }
  const details = { baseUrl: webex.baseUrl, code: err.code, httpStatus: err.facts.httpStatus, trackingId: err.facts.trackingId };
  const fixes: Record<string, string> = {
    IMPB_ERR_WEBEX_UNAUTHORIZED: `Webex refuses the access token: put a valid token in ${source}, then restart or wait for the next credentials check`,
    IMPB_ERR_WEBEX_TOKEN_REFRESH: `the token refresh fails: check the client id, secret and refresh token in ${source}`,
    IMPB_ERR_WEBEX_FORBIDDEN:
      'the token lacks a scope: give the integration or service app the provisioning scopes (spark-admin:broadworks_subscribers_*, identity:people_read)',
    IMPB_ERR_WEBEX_TIMEOUT: 'Webex does not answer in time: check the network path (proxy, firewall) to webex.baseUrl',
    IMPB_ERR_WEBEX_CONNECTION: 'cannot connect: check webex.baseUrl (IMP_BRIDGE_WEBEX_BASE_URL), DNS and the firewall',
  };
  return {
    ...base,
    message: `GET /people/me at ${webex.baseUrl} failed: ${err.message}`,
    fix: fixes[err.code] ?? 'see the TrackingID in the message; retry later, and open a Cisco case if it persists',
    details,
  };
}

export function checkClock(sample: ClockSample): DoctorCheck {
  const serverMs = sample.serverDate ? Date.parse(sample.serverDate) : NaN;
  if (sample.unavailable || !Number.isFinite(serverMs) || sample.startedAt === undefined || sample.endedAt === undefined) {
    return {
      name: 'clock',
      status: 'warn',
      message: `clock skew not measured: ${sample.unavailable ?? 'Webex sent no usable Date header'}`,
      fix: 'fix the Webex check first; keep this host synchronised with NTP (chronyd, systemd-timesyncd)',
    };
  }
  // The Date header has a resolution of one second: the local reference is the middle of the call.
  const skewMs = Math.round(serverMs - (sample.startedAt + sample.endedAt) / 2);
  const abs = Math.abs(skewMs);
  const details = { skewMs, webexDate: sample.serverDate };
  const what = `this host's clock is ${(abs / 1000).toFixed(1)} s ${skewMs > 0 ? 'behind' : 'ahead of'} Webex`;
  if (abs > CLOCK_FAIL_MS)
    return {
      name: 'clock',
      status: 'fail',
      message: `${what}: token expiry and certificate validity go wrong`,
      fix: 'synchronise the clock with NTP (timedatectl set-ntp true, or chronyd/ntpd)',
      details,
    };
  if (abs > CLOCK_WARN_MS)
    return { name: 'clock', status: 'warn', message: what, fix: 'synchronise the clock with NTP (timedatectl set-ntp true, or chronyd/ntpd)', details };
  return { name: 'clock', status: 'ok', message: `clock within ${(CLOCK_WARN_MS / 1000).toFixed(0)} s of Webex (${skewMs} ms, 1 s resolution)`, details };
}
