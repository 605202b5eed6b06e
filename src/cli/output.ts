/** Human-readable tables by default, JSON with --json: every command prints through here. */
import { toIsoTime } from '../domain';
export interface OutputOptions {
  json?: boolean;
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;
/** Fields holding epoch milliseconds (Job.nextRunAt): shown as ISO in JSON like every other time. */
const EPOCH_MS_KEY = /At$/;

/** JSON view: epoch-ms timestamps become ISO strings, everything else stays as the API sent it. */
export function jsonView(value: unknown, key = ''): unknown {
  if (typeof value === 'number' && EPOCH_MS_KEY.test(key) && value > 1e11) return toIsoTime(value);
  if (Array.isArray(value)) return value.map((v) => jsonView(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonView(v, k)]));
  return value;
}

export function printJson(value: unknown, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${JSON.stringify(jsonView(value), null, 2)}\n`);
}

/** "3 min ago", "in 2 h": tables show ages, JSON keeps the ISO time. */
export function relativeAge(time: number | string, now = Date.now()): string {
  const ms = now - (typeof time === 'number' ? time : Date.parse(time));
  const abs = Math.abs(ms);
  const [n, unit] =
    abs < 60_000
      ? [Math.round(abs / 1000), 's']
      : abs < 3_600_000
        ? [Math.round(abs / 60_000), 'min']
        : abs < 172_800_000
          ? [Math.round(abs / 3_600_000), 'h']
          : [Math.round(abs / 86_400_000), 'd'];
  if (abs < 5_000) return 'just now';
  return ms >= 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

/** One table cell: times as ages, lists joined, nested objects as key=value fields (never inline JSON). */
export function cellText(value: unknown, key = '', now = Date.now()): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return ISO_TIME.test(value) ? relativeAge(value, now) : value;
  if (typeof value === 'number' && EPOCH_MS_KEY.test(key) && value > 1e11) return relativeAge(value, now);
  if (Array.isArray(value)) return value.map((v) => cellText(v, '', now)).join(', ');
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${k}=${cellText(v, k, now)}`)
      .join(' ');
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the last case: numbers, booleans, bigints (objects are handled above)
  return String(value);
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** Shrinks the widest columns until the row fits `maxWidth` (each keeps at least its header or 6 characters). */
function fitWidths(widths: number[], headers: string[], maxWidth: number | undefined): number[] {
  if (!maxWidth) return widths;
  const fitted = [...widths];
  const floor = (i: number) => Math.min(widths[i], Math.max(6, Math.min(headers[i].length, 12)));
  const total = () => fitted.reduce((a, b) => a + b, 0) + 2 * (fitted.length - 1);
  while (total() > maxWidth) {
    let widest = -1;
    for (let i = 0; i < fitted.length; i++) if (fitted[i] > floor(i) && (widest < 0 || fitted[i] > fitted[widest])) widest = i;
    if (widest < 0) break;
    fitted[widest]--;
  }
  return fitted;
}

/** The terminal's width when stdout is one; pipes and files get full cells. */
export function terminalWidth(out: NodeJS.WritableStream = process.stdout): number | undefined {
  const tty = out as NodeJS.WriteStream;
  return tty.isTTY && tty.columns ? tty.columns : undefined;
}

export function formatTable(rows: Array<Record<string, unknown>>, columns?: string[], options: { width?: number; now?: number } = {}): string {
  if (rows.length === 0) return '(none)\n';
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const now = options.now ?? Date.now();
  const headers = cols.map((c) => c.toUpperCase());
  const cells = rows.map((r) => cols.map((c) => cellText(r[c], c, now).replace(/\s*\n\s*/g, ' ')));
  const natural = cols.map((_, i) => Math.max(headers[i].length, ...cells.map((row) => row[i].length)));
  const widths = fitWidths(natural, headers, 'width' in options ? options.width : terminalWidth());
  const line = (values: string[]) =>
    values
      .map((v, i) => truncate(v, widths[i]).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

export function printRows(rows: Array<Record<string, unknown>>, options: OutputOptions, columns?: string[]): void {
  if (options.json) printJson(rows);
  else process.stdout.write(formatTable(rows, columns));
}

/** Nested objects become dotted fields (`account.username`), one per line. */
export function flattenRecord(record: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(record).flatMap(([key, value]): Array<[string, unknown]> => {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length) return flattenRecord(value as Record<string, unknown>, name);
    if (Array.isArray(value) && value.some((v) => v && typeof v === 'object')) {
      return value.flatMap((v, i) =>
        v && typeof v === 'object' ? flattenRecord(v as Record<string, unknown>, `${name}[${i}]`) : [[`${name}[${i}]`, v] as [string, unknown]],
      );
    }
    return [[name, value]];
  });
}

export function printRecord(record: Record<string, unknown>, options: OutputOptions): void {
  if (options.json) {
    printJson(record);
    return;
  }
  const fields = flattenRecord(record);
  const width = Math.max(0, ...fields.map(([k]) => k.length));
  const now = Date.now();
  for (const [key, value] of fields) {
    const text = typeof value === 'string' && ISO_TIME.test(value) ? `${value} (${relativeAge(value, now)})` : cellText(value, key, now);
    process.stdout.write(`${key.padEnd(width)}  ${text}\n`);
  }
}

/** Every warning, from every command, printed the same way: to stderr, so piped output stays clean. */
export function printWarnings(warnings: unknown, err: NodeJS.WritableStream = process.stderr): void {
  for (const w of Array.isArray(warnings) ? warnings : warnings ? [warnings] : []) err.write(`warning: ${String(w)}\n`);
}

/** Notes about the output (truncation, which states a list shows) go to stderr too. */
export function printNote(text: string, err: NodeJS.WritableStream = process.stderr): void {
  err.write(`${text}\n`);
}

/** "showing 100 of 2,345; use --limit to see more" when a list was cut. */
export function truncationNote(shown: number, total: number | undefined, hasMore?: boolean): string | undefined {
  if (total !== undefined && total > shown) return `showing ${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}; use --limit to see more`;
  if (total === undefined && hasMore) return `showing the first ${shown.toLocaleString('en-US')}; there are more: use --limit to see more`;
  return undefined;
}
