import type { Config } from '../config/schema';
import { hashPassword, verifyPassword, type Template } from '../domain';
import { ImpbError } from '../errors';
import type { Logger } from '../observability';
import type { Store } from '../store';
import { packagesFor } from './template-packages';

/** Config problems the schema alone cannot see (the package depends on the target API). */
function problemsOf(config: Config): string[] {
  const problems: string[] = [];
  config.templates.forEach((t, i) => {
    const allowed = packagesFor(t.targetApi);
    if (!allowed.includes(t.package)) {
      problems.push(`templates.${i}.package: "${t.package}" is not a ${t.targetApi} subscriber package; allowed: ${allowed.join(', ')}`);
    }
  });
  return problems;
}

/**
 * Upserts the clusters and templates of the config file into the store. Entries only in the
 * store are left alone (never silently deleted: they are named in the log). A template
 * without a password in the config keeps the stored hash; an unchanged password keeps its
 * hash (no re-hash, so the stored row does not churn on every start).
 */
export async function seedFromConfig(config: Config, store: Store, logger: Logger): Promise<{ clusters: number; templates: number }> {
  const problems = problemsOf(config);
  if (problems.length) {
    throw new ImpbError('IMPB_ERR_CONFIG_INVALID', { message: `configuration is invalid: ${problems.join('; ')}`, details: { problems } });
  }
  for (const cluster of config.clusters) {
    await store.clusters.put(cluster);
  }
  const knownClusters = new Set((await store.clusters.list()).map((c) => c.name));
  let seeded = 0;
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
    if (entry.cluster && !knownClusters.has(entry.cluster)) {
      logger.warn('template in the config names a cluster that does not exist', {
        event: 'template.seed.unknown_cluster',
        template: entry.name,
        cluster: entry.cluster,
      });
    }
    const template: Template = { ...entry, account: { username, passwordHash: hash } };
    await store.templates.put(template);
    seeded++;
  }
  if (config.clusters.length || config.templates.length) {
    const inConfig = new Set(config.templates.map((t) => t.name));
    const storeOnly = (await store.templates.list()).map((t) => t.name).filter((n) => !inConfig.has(n));
    logger.info('seeded clusters and templates from the config file', {
      event: 'config.seeded',
      clusters: config.clusters.map((c) => c.name),
      templates: config.templates.map((t) => t.name),
      keptStoreOnlyTemplates: storeOnly,
    });
  }
  return { clusters: config.clusters.length, templates: seeded };
}
