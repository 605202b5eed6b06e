import fs from 'node:fs';
import YAML from 'yaml';
import type { Logger } from '../../observability';
import type { DialectProvider } from './dialect-extensions';

export interface DialectFileWatch {
  /** Re-reads the file now (also what a change triggers). */
  reload(): { ok: boolean; problems?: string[] };
  close(): void;
}

/**
 * Re-reads the `dialect` section of the configuration file when the file changes, so an alias
 * added for a variant seen in the field applies from the next request, without a restart. Only
 * that section is live; a wrong change is logged with its problems and the current one stays.
 * Polling (fs.watchFile) follows editors that replace the file rather than write it in place.
 */
export function watchDialectSection(file: string, provider: DialectProvider, options: { logger: Logger; intervalMs?: number }): DialectFileWatch {
  const { logger } = options;
  const reload = () => {
    let raw: unknown;
    try {
      raw = YAML.parse(fs.readFileSync(file, 'utf8')) as unknown;
    } catch (err) {
      const problems = [`${file}: ${(err as Error).message.split('\n')[0]}`];
      logger.warn('dialect extensions not re-read: the configuration file is unreadable; the current ones stay', {
        event: 'dialect.reload.refused',
        problems,
      });
      return { ok: false, problems };
    }
    const section = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>)['dialect'] : undefined;
    const result = provider.set(section ?? {});
    if (!result.ok) {
      logger.warn('dialect extensions not re-read: the dialect section is invalid; the current ones stay', {
        event: 'dialect.reload.refused',
        file,
        problems: result.problems,
      });
      return { ok: false, problems: result.problems };
    }
    const ext = provider.current().extensions;
    logger.info('dialect extensions re-read from the configuration file', {
      event: 'dialect.reload',
      file,
      commandAliases: Object.keys(ext.commandAliases).length,
      fieldAliases: Object.keys(ext.fieldAliases).length,
      ignoreElements: ext.ignoreElements.length,
      answerVariant: ext.answerVariant,
    });
    return { ok: true };
  };
  const listener = (curr: fs.Stats, prev: fs.Stats) => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.size !== prev.size) reload();
  };
  fs.watchFile(file, { interval: options.intervalMs ?? 2_000, persistent: false }, listener);
  return { reload, close: () => fs.unwatchFile(file, listener) };
}
