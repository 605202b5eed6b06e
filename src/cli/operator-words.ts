import type { Command } from 'commander';
import { ImpbError, isImpbError } from '../errors';

/** API field names whose CLI flag is not simply the kebab-case of the field. */
const FIELD_FLAGS: Record<string, string> = {
  targetApi: '--target',
  enterpriseId: '--enterprise',
  'account.username': '--username',
  'account.password': '--password',
  sourceAddresses: '--source',
  hosts: '--host',
  'identityRules.subjectCn': '--subject-cn',
  'identityRules.san': '--san',
  'identityRules.fingerprints': '--fingerprint',
  userId: '<userId>',
  q: '--query',
};

/** `body.account.password` → `--password`, when the command that ran has that flag. */
export function flagFor(apiPath: string, command: Command | undefined): string | undefined {
  const path = apiPath.replace(/^(body|query|params)\./, '').replace(/\.\d+(?=\.|$)/g, '');
  const flags = new Map((command?.options ?? []).filter((o) => o.long).map((o) => [o.attributeName(), o.long!]));
  const mapped = FIELD_FLAGS[path];
  if (mapped && (mapped.startsWith('<') || [...flags.values()].includes(mapped))) return mapped;
  const last = path.split('.').pop()!;
  return flags.get(path) ?? flags.get(last);
}

interface Problem {
  path: string;
  message: string;
}

/**
 * Rewrites an admin API validation error in the words of the command line: each problem named
 * by the flag the operator typed (`--password: use at least 8 characters`), not the JSON path
 * of the request the CLI built (`body.account.password: …`).
 */
export function inOperatorWords(err: unknown, command: Command | undefined): unknown {
  if (!isImpbError(err, 'IMPB_ERR_VALIDATION')) return err;
  const details = (err.details ?? {}) as { problems?: Problem[] };
  const problems = Array.isArray(details.problems) ? details.problems : undefined;
  if (!problems?.length) return err;
  const words = problems.map((p) => `${flagFor(p.path, command) ?? p.path.replace(/^(body|query|params)\./, '')}: ${p.message}`);
  return new ImpbError('IMPB_ERR_VALIDATION', { message: words.join('; '), details: err.details, cause: err });
}
