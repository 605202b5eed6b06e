/**
 * The one place where the PostgreSQL store converts times. Columns hold BIGINT epoch ms; the
 * port returns record times (createdAt, receivedAt, audit `at`, …) as ISO-8601 text today. When
 * the port returns epoch ms instead, `recordTime` becomes the identity and nothing else changes.
 */
export type RecordTime = string;

/** A column value (BIGINT arrives as text from node-postgres, or a number from our own rows) → the port's record time. */
export function recordTime(ms: number | string): RecordTime {
  return new Date(Number(ms)).toISOString();
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
