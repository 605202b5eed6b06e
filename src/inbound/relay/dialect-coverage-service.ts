import { computeDialectCoverage, parseSince, type DialectCoverage } from '../../domain';
import { ImpbError } from '../../errors';
import type { ShadowRecordRepo } from '../../store/port';

export const DEFAULT_COVERAGE_WINDOW = '7d';

/** The coverage report of `imp-bridge dialect coverage` and GET /api/v1/dialect/coverage. */
export function createDialectCoverageService(deps: { records: ShadowRecordRepo; now?: () => Date }) {
  return async function coverage(options: { template?: string; since?: string } = {}): Promise<DialectCoverage> {
    const window = options.since ?? DEFAULT_COVERAGE_WINDOW;
    const sinceMs = parseSince(window);
    if (sinceMs === undefined)
      throw new ImpbError('IMPB_ERR_VALIDATION', {
        message: `--since: expected a duration such as 7d, 36h or 90m, got "${window.slice(0, 32)}"`,
        details: { usage: true },
      });
    const now = deps.now?.() ?? new Date();
    const records = await deps.records.list({
      template: options.template,
      since: now.getTime() - sinceMs,
    });
    return computeDialectCoverage(records, { now, sinceMs, template: options.template });
  };
}
export type DialectCoverageService = ReturnType<typeof createDialectCoverageService>;
