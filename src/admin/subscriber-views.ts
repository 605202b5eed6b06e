import { WAITING_FOR_USER } from '../domain';
import { ImpbError } from '../errors';
import type { AuditEntry, Job, Store, SubscriberFilter, SubscriberRecord, WebexCallRecord } from '../store';

export interface TimelineEntry {
  /** Epoch ms (ISO text in the API answer). */
  at: number;
  source: 'event' | 'audit' | 'webex';
  what: string;
  trackingId?: string;
  httpStatus?: number;
  errorCode?: string;
  description?: string;
  requestId?: string;
  actor?: string;
  detail?: unknown;
}

export interface SubscriberDetail {
  subscriber: SubscriberRecord;
  /** What the user must do, when Webex waits on them. */
  waitingFor?: string;
  jobs: Job[];
  /** Events, audit entries and Webex calls merged, oldest first. */
  timeline: TimelineEntry[];
}

/** "Is this user provisioned, and if not, why?": the store's answer without reading logs. */
export function createSubscriberViews(store: Store) {
  return {
    list(filter: SubscriberFilter): Promise<SubscriberRecord[]> {
      return store.subscribers.list(filter);
    },
    async show(userId: string, limit = 100): Promise<SubscriberDetail> {
      const subscriber = await store.subscribers.get(userId);
      if (!subscriber) {
        throw new ImpbError('IMPB_ERR_NOT_FOUND', { message: `no subscriber "${userId}" in the store`, details: { userId } });
      }
      const [events, audit, calls, jobs] = await Promise.all([
        store.events.listForUser(userId, limit),
        store.audit.list({ entityType: 'subscriber', entityId: userId, limit }),
        store.webexCalls.list({ userId, limit }),
        store.jobs.list({ userId, limit: 50 }),
      ]);
      const timeline: TimelineEntry[] = [
        ...events.map((e): TimelineEntry => ({
          at: e.receivedAt,
          source: 'event',
          what: `${e.kind} received from the AS`,
          requestId: e.requestId,
          detail: { template: e.template, eventId: e.id },
        })),
        ...audit.map(auditEntry),
        ...calls.map(webexCall),
      ].sort((a, b) => a.at - b.at);
      const waitingFor = WAITING_FOR_USER[subscriber.status];
      return { subscriber, ...(waitingFor ? { waitingFor } : {}), jobs, timeline };
    },
  };
}

function auditEntry(a: AuditEntry): TimelineEntry {
  const after = a.after as { status?: string; errorCode?: string; description?: string } | undefined;
  const before = a.before as { status?: string } | undefined;
  const what = a.action === 'status' ? `status ${before?.status ?? '(new)'} → ${after?.status ?? '?'}` : `${a.action}${a.detail ? `: ${a.detail}` : ''}`;
  return compact({ at: a.at, source: 'audit', what, actor: a.actor, trackingId: a.trackingId, errorCode: after?.errorCode, description: after?.description });
}

function webexCall(c: WebexCallRecord): TimelineEntry {
  return compact({
    at: c.at,
    source: 'webex',
    what: `${c.operation} ${c.method} ${c.path}`,
    trackingId: c.trackingId,
    httpStatus: c.httpStatus,
    errorCode: c.errorCode,
    description: c.description,
  });
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;
}
