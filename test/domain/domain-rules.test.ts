import {
  canTransition,
  coalesce,
  duplicateOf,
  HEAD_STATES,
  isAuditedTransition,
  isTerminalStatus,
  JOB_STATES,
  makesJob,
  UNFINISHED_STATES,
  type CoalescibleJob,
  type JobState,
} from '../../src/domain';

describe('job states and transitions', () => {
  test('every state has its transitions; ended states are final or retryable only', () => {
    for (const s of JOB_STATES) expect(typeof canTransition(s, 'queued')).toBe('boolean');
    expect(canTransition('done', 'queued')).toBe(false);
    expect(canTransition('coalesced', 'running')).toBe(false);
    expect(canTransition('failed', 'queued')).toBe(true);
    expect(canTransition('running', 'running')).toBe(true); // a lease taken over
    expect(canTransition('awaiting_credentials', 'queued')).toBe(true);
    expect(canTransition('awaiting_credentials', 'running')).toBe(false);
    expect(HEAD_STATES).toEqual([...UNFINISHED_STATES, 'awaiting_credentials']);
  });

  test('audited: ending without done, parking, and taking a failed/cancelled/parked job up again', () => {
    const audited = (from: JobState, to: JobState) => isAuditedTransition(from, to);
    expect(audited('running', 'failed')).toBe(true);
    expect(audited('queued', 'coalesced')).toBe(true);
    expect(audited('queued', 'cancelled')).toBe(true);
    expect(audited('running', 'awaiting_credentials')).toBe(true);
    expect(audited('failed', 'queued')).toBe(true);
    expect(audited('awaiting_credentials', 'queued')).toBe(true);
    expect(audited('running', 'done')).toBe(false);
    expect(audited('queued', 'running')).toBe(false);
    expect(audited('running', 'retry_wait')).toBe(false);
  });
});

describe('intake rules', () => {
  const now = 1_000_000_000;
  test('duplicate window: only the user’s latest event, same key, inside the window', () => {
    expect(duplicateOf('k', { id: 7, dedupeKey: 'k', receivedAt: now - 299_000 }, now, 300)).toBe(7);
    expect(duplicateOf('k', { id: 7, dedupeKey: 'k', receivedAt: now - 301_000 }, now, 300)).toBeUndefined();
    expect(duplicateOf('k', { id: 7, dedupeKey: 'other', receivedAt: now }, now, 300)).toBeUndefined();
    expect(duplicateOf('k', undefined, now, 300)).toBeUndefined();
    expect(duplicateOf('k', { id: 7, dedupeKey: 'k', receivedAt: now }, now, 0)).toBeUndefined();
  });

  test('a password-only modify makes no job', () => {
    const base = { kind: 'modify' as const, template: 'bw', userId: 'u', enterpriseId: 'e', profile: {} };
    expect(makesJob({ ...base, passwordOnly: true })).toBe(false);
    expect(makesJob(base)).toBe(true);
  });

  test('one terminal-status rule: provisioned (with errors too), error, deleted, failed and waiting for the user', () => {
    for (const s of ['provisioned', 'provisioned_with_errors', 'error', 'deleted', 'failed', 'pending_email_validation'])
      expect([s, isTerminalStatus(s)]).toEqual([s, true]);
    for (const s of ['provisioning', 'updating', 'queued', 'deleting']) expect([s, isTerminalStatus(s)]).toEqual([s, false]);
  });
});

describe('coalescing', () => {
  const job = (id: number, kind: string, extra: Partial<CoalescibleJob> = {}): CoalescibleJob => ({
    id,
    kind,
    template: 'bw',
    enterpriseId: 'e',
    attempts: 0,
    lookupFirst: false,
    payload: { event: { kind, profile: { firstName: 'A' } } },
    ...extra,
  });
  test('identical assigns collapse to the last; an unsent assign…unassign of an unknown user cancels out', () => {
    expect(coalesce([job(1, 'assign'), job(2, 'assign')], false)).toEqual({ coalesced: [job(1, 'assign')], run: job(2, 'assign') });
    expect(coalesce([job(1, 'assign'), job(2, 'modify'), job(3, 'unassign')], false).run).toBeUndefined();
    expect(coalesce([job(1, 'assign'), job(2, 'unassign')], true).run).toEqual(job(1, 'assign'));
    expect(coalesce([job(1, 'assign', { attempts: 1 }), job(2, 'unassign')], false)).toEqual({ coalesced: [], run: job(1, 'assign', { attempts: 1 }) });
  });
});
