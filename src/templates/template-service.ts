import { CANCELLABLE_STATES } from '../domain/job-states';
import { currentActor, type Logger } from '../observability';
import {
  generateProvisioningPassword,
  hashPassword,
  MAX_PROVISIONING_PASSWORD_LENGTH,
  templateMode,
  type Cluster,
  type DialectCoverage,
  type Template,
  type TargetApi,
  WHOLESALE_CUSTOMER_PACKAGES,
} from '../domain';
import { ImpbError } from '../errors';
import type { Store } from '../store';
import { packagesFor } from './template-packages';
import type { ClusterCreate, ClusterPatch, TemplateCreate, TemplatePatch } from './template-schemas';
import { assertModeRules, assertSwitchAllowed, describeModeSwitch, mergeUpstream } from './template-modes';
import { toTemplateView, type TemplateView } from './template-view';

/** Subscriber statuses that hold nothing in Webex any more: a template with only these may go. */
const GONE_STATUSES = ['deleted', 'failed'];

/** Jobs a template delete cancels (a running one finishes, then finds its template gone). */
const UNFINISHED_JOB_STATES = CANCELLABLE_STATES;

export interface TemplateServiceDeps {
  store: Store;
  /** Base of the provisioning URLs shown to operators (https://host:port). */
  provisioningBaseUrl: () => string;
  /** Who makes the changes, for the audit trail ('admin-api', 'cli', …). */
  actor?: string;
  /** Every change is also logged at info with its actor (none: audit trail only, e.g. the CLI on the store). */
  logger?: Logger;
  /** Dialect coverage of a template, consulted before it leaves relay/shadow for provision. */
  coverage?: (template: string) => Promise<DialectCoverage | undefined>;
}

export interface CreatedTemplate {
  template: TemplateView;
  /** Shown once when the proxy generated the password: the operator pastes it on the AS. */
  generatedPassword?: string;
}

export interface DeletedTemplate {
  deleted: string;
  /** Subscribers still pending or active in Webex when --force was used. */
  subscribersLeft: number;
  jobsCancelled: number;
  /** What happens to those subscribers, in words. */
  consequence?: string;
}

export type TemplateService = ReturnType<typeof createTemplateService>;

function validation(problems: Array<{ path: string; message: string }>, extra: Record<string, unknown> = {}): ImpbError {
  return new ImpbError('IMPB_ERR_VALIDATION', {
    message: problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    details: { problems, ...extra },
  });
}

/** Refuses a package the target API does not know, naming the allowed ones. */
export function assertPackage(targetApi: TargetApi, pkg: string, path = 'package'): void {
  const allowed = packagesFor(targetApi);
  if (!allowed.includes(pkg)) {
    throw validation([{ path, message: `"${pkg}" is not a ${targetApi} subscriber package; allowed: ${allowed.join(', ')}` }], { allowed });
  }
}

function assertTemplateRules(t: Pick<Template, 'targetApi' | 'package' | 'wholesale'>): void {
  assertPackage(t.targetApi, t.package);
  if (t.targetApi === 'wholesale') {
    const bad = (t.wholesale?.packages ?? []).filter((p) => !(WHOLESALE_CUSTOMER_PACKAGES as readonly string[]).includes(p));
    if (bad.length) {
      throw validation(
        [{ path: 'wholesale.packages', message: `not Wholesale customer packages: ${bad.join(', ')}; allowed: ${WHOLESALE_CUSTOMER_PACKAGES.join(', ')}` }],
        { allowed: WHOLESALE_CUSTOMER_PACKAGES },
      );
    }
  }
}

function assertPasswordLength(password: string): void {
  if (password.length > MAX_PROVISIONING_PASSWORD_LENGTH) {
    throw validation([
      { path: 'account.password', message: `the AS accepts provisioning passwords of at most ${MAX_PROVISIONING_PASSWORD_LENGTH} characters` },
    ]);
  }
}

/**
 * Templates and clusters with the Partner Hub rules: names are unique, a referenced cluster
 * stays, an empty password on edit keeps the current one, a template in use is deleted only
 * with force. Passwords are stored as scrypt hashes and never returned.
 */
// eslint-disable-next-line max-lines-per-function -- a createX factory: one closure over shared state returning small methods, each well under 80 lines (see docs/architecture.md)
export function createTemplateService(deps: TemplateServiceDeps) {
  const { store } = deps;
  const actor = deps.actor ?? 'admin-api';
  const view = (t: Template) => toTemplateView(t, deps.provisioningBaseUrl());

  async function templatesUsingCluster(cluster: string): Promise<string[]> {
    return (await store.templates.list()).filter((t) => t.cluster === cluster).map((t) => t.name);
  }

  async function assertClusterExists(name: string | undefined): Promise<void> {
    if (name && !(await store.clusters.get(name))) {
      const known = (await store.clusters.list()).map((c) => c.name);
      throw validation([{ path: 'cluster', message: `no cluster named "${name}"; known: ${known.join(', ') || '(none)'}` }]);
    }
  }

  async function getTemplateOrThrow(name: string): Promise<Template> {
    const t = await store.templates.get(name);
    if (!t) throw new ImpbError('IMPB_ERR_NOT_FOUND', { message: `no template named "${name}"`, details: { template: name } });
    return t;
  }

  async function getClusterOrThrow(name: string): Promise<Cluster> {
    const c = await store.clusters.get(name);
    if (!c) throw new ImpbError('IMPB_ERR_NOT_FOUND', { message: `no cluster named "${name}"`, details: { cluster: name } });
    return c;
  }

  /** The audit row, then one info line: an operator reading the log sees who changed what (secret-free `facts`). */
  async function audit(
    entityType: 'template' | 'cluster',
    entityId: string,
    action: 'create' | 'update' | 'delete',
    before?: unknown,
    after?: unknown,
    facts: Record<string, unknown> = {},
  ): Promise<void> {
    const who = currentActor(actor);
    await store.audit.append({ actor: who, entityType, entityId, action, before, after });
    deps.logger?.info(`${entityType} ${entityId} ${action === 'create' ? 'created' : action === 'update' ? 'changed' : 'deleted'} by ${who}`, {
      event: `${entityType}.${action}d`,
      actor: who,
      [entityType]: entityId,
      ...facts,
    });
  }

  return {
    async listClusters(): Promise<Cluster[]> {
      return store.clusters.list();
    },
    async getCluster(name: string): Promise<Cluster & { templates: string[] }> {
      return { ...(await getClusterOrThrow(name)), templates: await templatesUsingCluster(name) };
    },
    async createCluster(input: ClusterCreate): Promise<Cluster> {
      if (await store.clusters.get(input.name)) {
        throw new ImpbError('IMPB_ERR_CONFLICT', { message: `a cluster named "${input.name}" already exists`, details: { cluster: input.name } });
      }
      await store.clusters.put(input);
      await audit('cluster', input.name, 'create', undefined, input, { hosts: input.hosts.length, sourceAddresses: input.sourceAddresses.length });
      return getClusterOrThrow(input.name);
    },
    async updateCluster(name: string, patch: ClusterPatch): Promise<Cluster> {
      const before = await getClusterOrThrow(name);
      const { createdAt: _c, updatedAt: _u, ...current } = before;
      const next: Cluster = { ...current, ...stripUndefined(patch), name };
      await store.clusters.put(next);
      await audit('cluster', name, 'update', current, next, { changed: Object.keys(stripUndefined(patch)) });
      return getClusterOrThrow(name);
    },
    async deleteCluster(name: string): Promise<{ deleted: string }> {
      await getClusterOrThrow(name);
      const users = await templatesUsingCluster(name);
      if (users.length) {
        throw new ImpbError('IMPB_ERR_IN_USE', {
          message: `cluster "${name}" is used by template${users.length > 1 ? 's' : ''} ${users.join(', ')}: move or delete ${users.length > 1 ? 'them' : 'it'} first`,
          details: { cluster: name, templates: users },
        });
      }
      await store.clusters.delete(name);
      await audit('cluster', name, 'delete');
      return { deleted: name };
    },

    async listTemplates(): Promise<TemplateView[]> {
      return (await store.templates.list()).map(view);
    },
    async getTemplate(name: string): Promise<TemplateView & { subscribers: Record<string, number> }> {
      const t = await getTemplateOrThrow(name);
      return { ...view(t), subscribers: await subscriberCounts(store, name) };
    },
    /** The stored template, hash included: for the pipeline and precheck, never for display. */
    getStoredTemplate: getTemplateOrThrow,
    async createTemplate(input: TemplateCreate): Promise<CreatedTemplate> {
      if (await store.templates.get(input.name)) {
        throw new ImpbError('IMPB_ERR_CONFLICT', { message: `a template named "${input.name}" already exists`, details: { template: input.name } });
      }
      assertTemplateRules(input);
      assertModeRules(input);
      await assertClusterExists(input.cluster);
      const generatedPassword = input.account.password ? undefined : generateProvisioningPassword();
      const password = input.account.password ?? generatedPassword!;
      assertPasswordLength(password);
      const template: Template = { ...input, account: { username: input.account.username, passwordHash: await hashPassword(password) } };
      await store.templates.put(template);
      await audit(
        'template',
        input.name,
        'create',
        undefined,
        { ...view(template), account: { username: input.account.username } },
        { targetApi: template.targetApi, cluster: template.cluster, username: input.account.username, passwordGenerated: Boolean(generatedPassword) },
      );
      return { template: view((await store.templates.get(input.name))!), ...(generatedPassword ? { generatedPassword } : {}) };
    },
    async updateTemplate(name: string, patch: TemplatePatch, options: { force?: boolean } = {}): Promise<TemplateView & { modeChange?: string }> {
      const before = await getTemplateOrThrow(name);
      const { createdAt: _c, updatedAt: _u, account, ...current } = before;
      const { account: accountPatch, upstream: upstreamPatch, ...fields } = patch;
      const next: Template = {
        ...current,
        ...stripUndefined(fields),
        ...(upstreamPatch ? { upstream: mergeUpstream(current.upstream, upstreamPatch) } : {}),
        name,
        account: { username: accountPatch?.username || account.username, passwordHash: account.passwordHash },
      };
      assertTemplateRules(next);
      assertModeRules(next);
      const [from, to] = [templateMode(before), templateMode(next)];
      if (from !== to) assertSwitchAllowed(name, from, to, to === 'provision' ? await deps.coverage?.(name) : undefined, Boolean(options.force));
      if (fields.cluster !== undefined) await assertClusterExists(fields.cluster);
      // Partner Hub: an empty or absent password keeps the current one.
      const password = accountPatch?.password;
      if (password) {
        assertPasswordLength(password);
        next.account.passwordHash = await hashPassword(password);
      }
      await store.templates.put(next);
      const changed = Object.keys(stripUndefined(fields));
      if (upstreamPatch) changed.push(...Object.keys(stripUndefined(upstreamPatch)).map((k) => `upstream.${k}`));
      if (accountPatch?.username) changed.push('account.username');
      if (password) changed.push('account.password');
      await audit(
        'template',
        name,
        'update',
        undefined,
        { changed, ...(from !== to ? { mode: { from, to, forced: Boolean(options.force) } } : {}) },
        { changed },
      );
      return { ...view((await store.templates.get(name))!), ...(from !== to ? { modeChange: describeModeSwitch(name, from, to) } : {}) };
    },
    async deleteTemplate(name: string, options: { force?: boolean } = {}): Promise<DeletedTemplate> {
      await getTemplateOrThrow(name);
      const total = await store.subscribers.countForTemplate(name);
      const gone = await store.subscribers.countForTemplate(name, GONE_STATUSES);
      const live = total - gone;
      const consequence =
        live > 0
          ? `${live} subscriber${live === 1 ? '' : 's'} stay provisioned in Webex (their licences are not removed); ` +
            `the proxy stops managing them: requests from the AS for this template are refused (4004) and their unfinished jobs are cancelled. ` +
            `Re-create a template named "${name}" and run "imp-bridge subscribers resync <userId>" to manage them again.`
          : undefined;
      if (live > 0 && !options.force) {
        throw new ImpbError('IMPB_ERR_IN_USE', {
          message: `template "${name}" has ${live} pending or active subscriber${live === 1 ? '' : 's'}; delete with --force (force=true) if you mean it: ${consequence}`,
          details: { template: name, subscribers: live },
        });
      }
      let jobsCancelled = 0;
      for (;;) {
        const jobs = await store.jobs.list({ template: name, state: [...UNFINISHED_JOB_STATES], limit: 500 });
        if (!jobs.length) break;
        // A job the worker claimed meanwhile is its to finish (it then finds the template gone).
        for (const job of jobs) if (await store.jobs.transition(job.id, { from: [job.state], to: 'cancelled', now: Date.now() })) jobsCancelled++;
      }
      await store.templates.delete(name);
      await audit(
        'template',
        name,
        'delete',
        undefined,
        { force: Boolean(options.force), subscribersLeft: live, jobsCancelled },
        { force: Boolean(options.force), subscribersLeft: live, jobsCancelled },
      );
      return { deleted: name, subscribersLeft: live, jobsCancelled, ...(consequence ? { consequence } : {}) };
    },
  };
}

async function subscriberCounts(store: Store, template: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let offset = 0;
  for (;;) {
    const page = await store.subscribers.list({ template, limit: 1000, offset });
    for (const s of page) counts[s.status] = (counts[s.status] ?? 0) + 1;
    if (page.length < 1000) break;
    offset += page.length;
  }
  return counts;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
