import { upstreamSchema, type UpstreamPatch, type UpstreamSettings } from './upstream-settings';
import { templateMode, type DialectCoverage, type Template } from '../domain';
import { ImpbError } from '../errors';

type Mode = ReturnType<typeof templateMode>;

function validation(problems: Array<{ path: string; message: string }>): ImpbError {
  return new ImpbError('IMPB_ERR_VALIDATION', {
    message: problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    details: { problems },
  });
}

/** A relay or shadow template forwards somewhere: it needs an upstream. */
export function assertModeRules(t: Pick<Template, 'mode' | 'upstream'>): void {
  const mode = templateMode(t);
  if (mode !== 'provision' && !t.upstream) throw validation([{ path: 'upstream.url', message: `required when mode is ${mode} (--upstream-url)` }]);
}

/** An edit of the upstream: the keys given over the current ones, then checked whole. */
export function mergeUpstream(current: UpstreamSettings | undefined, patch: UpstreamPatch): UpstreamSettings {
  const merged: Record<string, unknown> = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) merged[key] = value;
  // Switching to passthrough drops the account the basic mode needed.
  if (patch.auth === 'passthrough') {
    delete merged['username'];
    delete merged['password'];
  }
  const parsed = upstreamSchema.safeParse(merged);
  if (!parsed.success) throw validation(parsed.error.issues.map((i) => ({ path: ['upstream', ...i.path.map(String)].join('.'), message: i.message })));
  return parsed.data;
}

/** What the operator must know before a template changes mode. */
export function describeModeSwitch(template: string, from: Mode, to: Mode): string {
  if (from === to) return `template ${template} is already in ${to} mode`;
  if (to === 'provision') {
    return (
      `template ${template}: ${from} → provision. The AS stays pointed at imp-bridge (nothing changes on the AS); ` +
      `requests are no longer forwarded to the upstream: imp-bridge answers them itself and the Webex calls now come from imp-bridge, with its own credentials.`
    );
  }
  if (to === 'shadow')
    return `template ${template}: ${from} → shadow. Requests are forwarded to the upstream, which answers the AS; imp-bridge also reads each one with its dialect and records what provision mode would do (no Webex call).`;
  return `template ${template}: ${from} → relay. Requests are forwarded to the upstream unchanged, which answers the AS; imp-bridge makes no Webex call.`;
}

/** Leaving relay/shadow for provision while the dialect is not fully understood needs force. */
export function assertSwitchAllowed(template: string, from: Mode, to: Mode, coverage: DialectCoverage | undefined, force: boolean): void {
  if (to !== 'provision' || from === 'provision' || force) return;
  if (coverage?.verdict.complete) return;
  const gaps = coverage ? [coverage.verdict.text, ...coverage.verdict.gaps] : ['no dialect coverage available for this template'];
  throw new ImpbError('IMPB_ERR_CONFLICT', {
    message: `template ${template} stays in ${from} mode: the dialect coverage shows gaps (${gaps.join('; ')}); fix them (dialect aliases) or switch with --force (force=true)`,
    details: { template, gaps, verdict: coverage?.verdict },
  });
}
