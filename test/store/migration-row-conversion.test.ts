import { convertRow, TABLES } from '../../src/operations/sqlite-migration/tables';

const jobs = TABLES.find((t) => t.name === 'jobs')!;
const jobRow = (lastError: string | null) => ({
  id: 7,
  event_id: 3,
  kind: 'assign',
  template: 't',
  user_id: 'u@voip',
  enterprise_id: 'e',
  state: 'failed',
  attempts: 1,
  next_run_at: 0,
  lookup_first: 0,
  payload_json: '{}',
  last_error_json: lastError,
  tracking_id: null,
  lease_owner: null,
  lease_token: null,
  lease_expires_at: null,
  created_at: '2026-11-30T10:00:00.000Z',
  updated_at: '2026-11-30T10:00:00.000Z',
});

describe('a SQLite job row as PostgreSQL keeps it', () => {
  test("the last error's ISO time becomes epoch ms; the rest of the error is kept", () => {
    const out = convertRow(jobs, jobRow(JSON.stringify({ code: 'X', message: 'm', at: '2026-11-30T10:00:00.000Z' })));
    expect(JSON.parse(out.last_error_json as string)).toEqual({ code: 'X', message: 'm', at: Date.parse('2026-11-30T10:00:00.000Z') });
    expect(convertRow(jobs, jobRow(null)).last_error_json).toBeNull();
  });

  test('a stored error that is not JSON, or has no readable time, names the table, the row and the column', () => {
    expect(() => convertRow(jobs, jobRow('{oops'))).toThrow('jobs 7 last_error_json: "{oops" is not a stored job error (JSON)');
    expect(() => convertRow(jobs, jobRow(JSON.stringify({ code: 'X', at: 'yesterday' })))).toThrow('jobs 7 last_error_json at: "yesterday" is not a time');
  });
});
