import type { Config } from '../config/schema';
import { hashPassword, verifyPassword, type Template } from '../domain';
import type { Logger } from '../observability';
import type { Store } from '../store';

/**
 * Upserts the clusters and templates of the config file into the store. Entries only in the
 * store are left alone (never silently deleted). A template without a password in the config
 * keeps the stored hash.
 */
export async function seedFromConfig(config: Config, store: Store, logger: Logger): Promise<{ clusters: number; templates: number }> {
  for (const cluster of config.clusters) {
    await store.clusters.put(cluster);
  }
  for (const entry of config.templates) {
    const existing = await store.templates.get(entry.name);
    const { password, passwordHash, username } = entry.account;
    let hash = passwordHash ?? existing?.account.passwordHash;
    if (password && !(existing && (await verifyPassword(password, existing.account.passwordHash)))) hash = await hashPassword(password);
    else if (password && existing) hash = existing.account.passwordHash;
    if (!hash) {
      logger.warn('template in the config has no provisioning password and none is stored: it cannot authenticate', {
        event: 'template.seed.no_password',
        template: entry.name,
      });
      continue;
    }
    const template: Template = { ...entry, account: { username, passwordHash: hash } };
    await store.templates.put(template);
  }
  if (config.clusters.length || config.templates.length) {
    logger.info('seeded clusters and templates from the config file', {
      event: 'config.seeded',
      clusters: config.clusters.map((c) => c.name),
      templates: config.templates.map((t) => t.name),
    });
  }
  return { clusters: config.clusters.length, templates: config.templates.length };
}
