/**
 * The one place where the PostgreSQL store converts times. Columns hold BIGINT epoch ms, and the
 * port returns record times (createdAt, receivedAt, audit `at`, …) as epoch ms too (issue 13);
 * node-postgres hands BIGINT over as text, so the conversion is a Number().
 */
export type RecordTime = number;

/** A column value (BIGINT arrives as text from node-postgres, or a number from our own rows) → the port's record time. */
export function recordTime(ms: number | string): RecordTime {
  return Number(ms);
}

/** A record time the port was given (ISO text, or epoch ms) → the column value. */
export function columnTime(at: string | number): number {
  if (typeof at === 'number') return at;
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new TypeError(`not a time: ${at}`);
  return ms;
}

/** An optional column time (NULL stays absent). */
export function optionalRecordTime(ms: number | string | null | undefined): RecordTime | undefined {
  return ms === null || ms === undefined ? undefined : recordTime(ms);
}
