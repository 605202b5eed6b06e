import type { EventKind } from '../../domain';
import type { UserOwnership } from '../port';

/**
 * The ownership read of both stores, one row whatever the user (`userId` is the store's own
 * placeholder): the subscriber record and the latest event, aliased to OwnershipRow's names.
 */
export function ownershipQuery(userId: string): string {
  return `SELECT s.template AS "subscriberTemplate", s.enterprise_id AS "subscriberEnterpriseId", s.status AS "subscriberStatus",
      e.kind AS "eventKind", e.template AS "eventTemplate", e.enterprise_id AS "eventEnterpriseId"
    FROM (SELECT ${userId} AS user_id) u
    LEFT JOIN subscribers s ON s.user_id = u.user_id
    LEFT JOIN inbound_events e ON e.id = (SELECT id FROM inbound_events WHERE user_id = u.user_id ORDER BY id DESC LIMIT 1)`;
}

/** The one row of ownershipQuery; nulls where the user has no subscriber or no event. */
export interface OwnershipRow {
  subscriberTemplate: string | null;
  subscriberEnterpriseId: string | null;
  subscriberStatus: string | null;
  eventKind: string | null;
  eventTemplate: string | null;
  eventEnterpriseId: string | null;
}

export function toOwnership(row: OwnershipRow | undefined): UserOwnership {
  const out: UserOwnership = {};
  if (!row) return out;
  if (row.subscriberTemplate !== null)
    out.subscriber = {
      template: row.subscriberTemplate,
      enterpriseId: row.subscriberEnterpriseId ?? '',
      status: row.subscriberStatus as NonNullable<UserOwnership['subscriber']>['status'],
    };
  if (row.eventKind !== null) out.latest = { kind: row.eventKind as EventKind, template: row.eventTemplate ?? '', enterpriseId: row.eventEnterpriseId ?? '' };
  return out;
}
