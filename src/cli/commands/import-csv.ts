import { parse } from 'csv-parse/sync';
import { IMPORT_FIELDS, importFieldFor, type ImportRow, type ImportRowResult } from '../../operations/import-users';
import { ImpbError } from '../../errors';

export interface ParsedImportFile {
  rows: ImportRow[];
  /** Rows refused before anything is sent (a user id given twice in the file). */
  refused: ImportRowResult[];
}

/** Closest known column by edit distance, for "did you mean". */
function closest(name: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
  };
  const scored = known.map((k) => ({ k, d: distance(name.toLowerCase(), k.toLowerCase()) })).sort((x, y) => x.d - y.d);
  return scored[0] && scored[0].d <= Math.max(2, Math.floor(name.length / 3)) ? scored[0].k : undefined;
}

const usage = (message: string) => new ImpbError('IMPB_ERR_VALIDATION', { message });

/**
 * Reads the CSV (header line first; comma separated; UTF-8 with or without BOM). Unknown
 * columns and unreadable CSV are usage errors (exit 2) naming the file and the line.
 */
export function parseImportCsv(text: string, file: string): ParsedImportFile {
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- csv-parse's overloads do not express the { record, info } rows of info: true
    records = parse(text, { columns: true, info: true, bom: true, skip_empty_lines: true, trim: true, comment: '#' }) as typeof records;
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw usage(`${file}${e.lines ? `, line ${e.lines}` : ''}: not readable as CSV (${e.message})`);
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  if (!header.length) throw usage(`${file}: no rows (the first line names the columns, e.g. userId,serviceProviderId,firstName,lastName,email)`);
  const mapping = new Map<string, NonNullable<ReturnType<typeof importFieldFor>>>();
  for (const column of header) {
    const field = importFieldFor(column);
    if (!field) {
      const hint = closest(column, IMPORT_FIELDS);
      throw usage(`${file}: unknown column "${column}"${hint ? ` (did you mean ${hint}?)` : ''}; columns: ${IMPORT_FIELDS.join(', ')}`);
    }
    if ([...mapping.values()].includes(field)) throw usage(`${file}: column "${column}" names ${field} a second time`);
    mapping.set(column, field);
  }
  if (![...mapping.values()].includes('userId')) throw usage(`${file}: no userId column (columns: ${IMPORT_FIELDS.join(', ')})`);

  const rows: ImportRow[] = [];
  const refused: ImportRowResult[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records) {
    const fields: ImportRow['fields'] = {};
    for (const [column, value] of Object.entries(record)) if (value !== '') fields[mapping.get(column)!] = value;
    const userId = fields.userId;
    const first = userId ? seen.get(userId) : undefined;
    if (userId && first !== undefined) {
      refused.push({ line: info.lines, userId, outcome: 'invalid', message: `userId already on line ${first} of the file` });
      continue;
    }
    if (userId) seen.set(userId, info.lines);
    rows.push({ line: info.lines, fields });
  }
  return { rows, refused };
}
