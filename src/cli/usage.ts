import { CommanderError, InvalidArgumentError, type Command } from 'commander';
import { ImpbError } from '../errors';

/** `imp-bridge jobs list`, for pointers to a command's --help. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Applied to every command once all are registered (commander copies settings only into
 * commands created after them, so setting them on the root alone leaves subcommands calling
 * process.exit(1) themselves): usage mistakes throw a CommanderError, and are reported in one
 * line plus a pointer to the command's --help instead of the whole help text.
 */
export function applyUsageConventions(cmd: Command): void {
  cmd.exitOverride();
  cmd.showHelpAfterError(`run "${commandPath(cmd)} --help" for the usage`);
  cmd.configureOutput({ outputError: (str, write) => write(`imp-bridge: ${str.replace(/^error: /, '')}`) });
  for (const sub of cmd.commands) applyUsageConventions(sub);
}

/** Exit code of a commander error: 0 for --help/--version, 2 for every usage mistake. */
export function isCommanderExit(err: unknown): err is CommanderError {
  return err instanceof CommanderError;
}

/** A usage mistake found after parsing (a flag combination, a filter value): exit 2. */
export function usageError(message: string, details: Record<string, unknown> = {}): ImpbError {
  return new ImpbError('IMPB_ERR_VALIDATION', { message, details });
}

/** Closest candidates by edit distance (no library in the dependencies offers one). */
export function suggest(value: string, candidates: readonly string[]): string[] {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = row[j]!;
        row[j] = next;
      }
    }
    return row[b.length];
  };
  const v = value.toLowerCase();
  const scored = candidates.map((c) => ({ c, d: c.toLowerCase().includes(v) || v.includes(c.toLowerCase()) ? 1 : distance(v, c.toLowerCase()) }));
  const limit = Math.max(2, Math.floor(value.length / 3));
  const close = scored.filter((s) => s.d <= limit).sort((a, b) => a.d - b.d);
  return close.slice(0, 3).map((s) => s.c);
}

/** Refuses a value outside `allowed`, naming the flag, the closest values and the full list. */
export function assertOneOf(flag: string, value: string | undefined, allowed: readonly string[], what = 'value'): void {
  if (value === undefined || allowed.includes(value)) return;
  const close = suggest(value, allowed);
  const hint = close.length ? ` (did you mean ${close.map((c) => `"${c}"`).join(' or ')}?)` : '';
  const list = allowed.length ? `; known: ${allowed.length > 12 ? `${allowed.slice(0, 12).join(', ')}, …` : allowed.join(', ')}` : `; there are none yet`;
  throw usageError(`${flag}: no ${what} "${value}"${hint}${list}`, { flag, value, suggestions: close });
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return n;
}
