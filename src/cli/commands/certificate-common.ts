import fs from 'node:fs';
import { ImpbError } from '../../errors';
import { EXIT } from '../exit-codes';
import { printWarnings } from '../output';

/** Marks calls as coming from the CLI, for the audit trail (the API records 'admin-api' otherwise). */
export const cli = (path: string) => `${path}${path.includes('?') ? '&' : '?'}actor=cli`;

export function readInputFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ImpbError('IMPB_ERR_VALIDATION', {
      message: `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      cause: err,
    });
  }
}

export interface CertInfo {
  subject: string;
  issuer: string;
  fingerprint: string;
  notAfter: string;
  daysLeft: number;
  [key: string]: unknown;
}

export const short = (fp: string) => `${fp.slice(0, 16)}…`;

/** Exit 4 when a certificate expires within tls.expiryWarnDays, saying which on stderr (stdout stays the listing). */
export function reportExpiring(items: CertInfo[], warnDays: number): void {
  const soon = items.filter((i) => i.daysLeft <= warnDays);
  if (!soon.length) return;
  printWarnings(
    soon.map(
      (i) =>
        `${i.subject} (${short(i.fingerprint)}) ${i.daysLeft < 0 ? `expired ${-i.daysLeft} days ago` : `expires in ${i.daysLeft} days`}, within tls.expiryWarnDays (${warnDays}): exit code 4`,
    ),
  );
  process.exitCode = EXIT.FINDINGS;
}
