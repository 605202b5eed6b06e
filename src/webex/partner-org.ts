import type { Logger } from '../observability';
import type { WebexResult } from '../pipeline/webex-port';
import type { SettingsRepo } from '../store/port';
import type { WebexClient } from './webex-client';

/** Store setting with the last partner org Webex reported (Webex base64 id), read by the CLI when the proxy is stopped. */
export const PARTNER_ORG_SETTINGS_KEY = 'webex.partnerOrgId';

export interface PartnerOrgDeps {
  client: Pick<WebexClient, 'people'>;
  settings: SettingsRepo;
  /** False once the store is closed (stop in progress): nothing is written then. */
  storeOpen: () => boolean;
  logger: Logger;
  /** After a failure, callers get undefined without a new Webex call for this long (default 60 s). */
  retryAfterFailureMs?: number;
  now?: () => number;
  /** Every answer to its GET /people/me, success or failure (the credentials probe counts it as a check). */
  onAnswer?: (answer: { ok: true; value: WebexResult<unknown> } | { ok: false; error: unknown }) => void;
}

export interface PartnerOrgSource {
  /** The partner org (Webex base64 id) from GET /people/me; undefined while Webex cannot say. Never throws. */
  get(): Promise<string | undefined>;
}

/**
 * The partner org is the organization of the identity behind the access token (a partner
 * admin, an integration or a service app of the partner). Asked once; the answer is cached
 * for the life of the process and persisted, so a stopped proxy can still name it.
 */
export function createPartnerOrgSource(deps: PartnerOrgDeps): PartnerOrgSource {
  const now = deps.now ?? Date.now;
  const retryAfterFailureMs = deps.retryAfterFailureMs ?? 60_000;
  let known: string | undefined;
  let inflight: Promise<string | undefined> | undefined;
  let failedAt: number | undefined;
  let warned = false;

  async function persist(orgId: string): Promise<void> {
    if (!deps.storeOpen()) return;
    try {
      if ((await deps.settings.get(PARTNER_ORG_SETTINGS_KEY)) !== orgId) await deps.settings.set(PARTNER_ORG_SETTINGS_KEY, orgId);
    } catch (err) {
      if (deps.storeOpen()) deps.logger.warn('could not persist the Webex partner org id', { event: 'webex.partner_org.persist_failed', err });
    }
  }

  async function ask(): Promise<string | undefined> {
    try {
      let result: Awaited<ReturnType<WebexClient['people']['me']>>;
      try {
        result = await deps.client.people.me();
      } catch (error) {
        deps.onAnswer?.({ ok: false, error });
        throw error;
      }
      deps.onAnswer?.({ ok: true, value: result });
      const { data, trackingId } = result;
      known = data.orgId;
      failedAt = undefined;
      deps.logger.info('Webex partner org identified', { event: 'webex.partner_org', orgId: known, trackingId });
      await persist(known);
      return known;
    } catch (err) {
      failedAt = now();
      // Support data degrades to the persisted value; one warning is enough to explain why.
      if (!warned) {
        warned = true;
        deps.logger.warn('could not ask Webex for the partner org (GET /people/me); support data falls back to the last known value', {
          event: 'webex.partner_org.unavailable',
          err,
        });
      } else {
        deps.logger.debug('Webex partner org still unavailable', { event: 'webex.partner_org.unavailable', err });
      }
      return undefined;
    }
  }

  return {
    async get() {
      if (known) return known;
      if (inflight) return inflight;
      if (failedAt !== undefined && now() - failedAt < retryAfterFailureMs) return undefined;
      inflight = ask().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
  };
}
