import { cellText, flattenRecord, formatTable, jsonView, relativeAge, truncationNote } from '../../src/cli/output';

describe('CLI output', () => {
  const now = Date.parse('2026-01-01T12:00:00.000Z');

  it('fits a table into the terminal width, cutting the widest cells with …', () => {
    const rows = [
      { id: 1, userId: 'a-very-long-user-id-0123456789@voip.example.net', error: 'IMPB_ERR_WEBEX_UNAUTHORIZED (the token was refused by Webex for good)' },
      { id: 2, userId: 'b@voip.example.net', error: '' },
    ];
    const text = formatTable(rows, ['id', 'userId', 'error'], { width: 60, now });
    for (const line of text.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(text).toContain('…');
    expect(text).toContain('b@voip.example.net');
    // Without a terminal (a pipe), cells stay whole.
    expect(formatTable(rows, ['id', 'userId', 'error'], { width: undefined, now })).toContain('for good)');
  });

  it('shows times as relative ages in tables and nested values as fields, never inline JSON', () => {
    expect(relativeAge('2026-01-01T11:57:00.000Z', now)).toBe('3 min ago');
    expect(relativeAge(now + 7_200_000, now)).toBe('in 2 h');
    expect(cellText({ code: 'X', trackingId: 'T1' })).toBe('code=X trackingId=T1');
    const text = formatTable([{ updatedAt: '2026-01-01T11:00:00.000Z', error: { code: 'X' } }], undefined, { width: undefined, now });
    expect(text).toContain('1 h ago');
    expect(text).not.toContain('{');
    expect(flattenRecord({ name: 'c', identityRules: { subjectCn: ['a'], san: [] }, account: { username: 'u' } })).toEqual([
      ['name', 'c'],
      ['identityRules.subjectCn', ['a']],
      ['identityRules.san', []],
      ['account.username', 'u'],
    ]);
  });

  it('writes epoch-ms times as ISO in JSON', () => {
    expect(jsonView({ jobs: [{ nextRunAt: now, attempts: 3 }] })).toEqual({ jobs: [{ nextRunAt: '2026-01-01T12:00:00.000Z', attempts: 3 }] });
  });

  it('says when a list was cut', () => {
    expect(truncationNote(100, 2345)).toBe('showing 100 of 2,345; use --limit to see more');
    expect(truncationNote(3, 3)).toBeUndefined();
  });
});
