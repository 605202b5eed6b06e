const SKIP = new Set(['timestamp', 'level', 'message']);

/** A value as `key=value` text: bare when it is a plain word, JSON otherwise. */
function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only what JSON cannot say (undefined, functions, symbols) reaches String
  return JSON.stringify(value) ?? String(value);
}

/** Pulls the stack traces out of the fields so they print on their own lines, after the line. */
function takeStacks(value: unknown, stacks: string[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const { stack, ...rest } = value as Record<string, unknown>;
  if (typeof stack === 'string') stacks.push(stack);
  for (const [k, v] of Object.entries(rest)) rest[k] = takeStacks(v, stacks);
  return rest;
}

/**
 * `2026-01-02T03:04:05.678Z WARN  message  event=x jobId=3 err={"code":…}`: one line a person
 * reads at a terminal, with a stack trace (unexpected errors only) indented below it.
 */
export function prettyLine(info: Record<string, unknown>): string {
  const stacks: string[] = [];
  const fields: string[] = [];
  for (const [key, value] of Object.entries(info)) {
    if (SKIP.has(key) || value === undefined) continue;
    if (key === 'stack' && typeof value === 'string') {
      stacks.push(value);
      continue;
    }
    fields.push(`${key}=${fieldText(takeStacks(value, stacks))}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- winston's timestamp and message are strings
  const head = `${String(info.timestamp ?? '')} ${String(info.level).toUpperCase().padEnd(5)} ${String(info.message ?? '')}`;
  const line = fields.length ? `${head}  ${fields.join(' ')}` : head;
  return stacks.length ? `${line}\n${stacks.map((s) => s.replace(/^/gm, '    ')).join('\n')}` : line;
}
