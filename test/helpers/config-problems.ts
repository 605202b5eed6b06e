import { isImpbError } from '../../src/errors';

/** The problems a refused configuration names (IMPB_ERR_CONFIG_INVALID); fails when `fn` does not refuse it. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (isImpbError(err, 'IMPB_ERR_CONFIG_INVALID')) return err.details.problems as string[];
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}
