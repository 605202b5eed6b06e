import type { EventKind } from '../../domain';
import type { UserOwnership } from '../port';

/** The one row of the ownership query (both stores alias their columns to these names); nulls where the user has no subscriber or no event. */
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
