import fs from 'node:fs';
import path from 'node:path';
import type { UnknownRequest } from '../../store';

/**
 * Writes stored requests (record mode or unknown) as fixture folders in the layout of
 * test/fixtures/flowthrough/: request.xml, response.xml when one was recorded, and a README
 * line saying where the variant comes from. Bodies are already masked when stored.
 */
export function exportFixtures(rows: UnknownRequest[], outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const row of rows) {
    const slug = `${row.kind}-${row.id}-${row.template}`.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80);
    const dir = path.join(outDir, slug);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'request.xml'), row.body);
    if (row.response) fs.writeFileSync(path.join(dir, 'response.xml'), row.response);
    fs.writeFileSync(
      path.join(dir, 'README.md'),
      `${row.kind === 'recorded' ? 'Recorded' : 'Unknown request'} from template ${row.template} at ${row.receivedAt} (request ${row.requestId}): ${row.reason}.\n`,
    );
    written.push(dir);
  }
  return written;
}
