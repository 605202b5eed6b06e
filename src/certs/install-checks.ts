import type { X509Certificate } from 'node:crypto';
import { ImpbError } from '../errors';
import { describeCertificate, notAfterMs } from './certificate-info';
import type { InstallCheck, PendingKeyInfo } from './certificate-types';
import { assembleServerMaterial, chainWarnings, checkHostnames, checkValidity, keyMatches, type ServerMaterial } from './server-certificate';

export interface InstallCheckInput {
  certPem: string;
  chainPem?: string;
}

export interface InstallCheckContext {
  pending?: { keyPem: string; meta?: PendingKeyInfo };
  current: ServerMaterial;
  publicHostname: string | undefined;
  expiryWarnDays: number;
  now: number;
}

/**
 * What the install would do: every check with its outcome, and, when all pass, the material
 * to activate. `failure` is the error of the first failed check, so a real install refuses
 * with the same code and words it always had.
 */
export interface InstallPlan {
  checks: InstallCheck[];
  material?: ServerMaterial;
  usedKey?: 'pending' | 'current';
  pending?: PendingKeyInfo;
  failure?: ImpbError;
}

const DAY_MS = 86_400_000;

/** Runs one throwing check as a list entry; errors that are not ImpbErrors are bugs and propagate. */
function run(plan: InstallPlan, check: InstallCheck['check'], okDetail: string, fn: () => void): boolean {
  try {
    fn();
    plan.checks.push({ check, ok: true, detail: okDetail });
    return true;
  } catch (err) {
    if (!(err instanceof ImpbError)) throw err;
    plan.checks.push({ check, ok: false, detail: err.message });
    plan.failure ??= err;
    return false;
  }
}

function keyCheck(plan: InstallPlan, probe: ServerMaterial, ctx: InstallCheckContext): void {
  const { pending, current } = ctx;
  run(plan, 'key', '', () => {
    if (pending && keyMatches(probe.cert, pending.keyPem))
      Object.assign(plan, { usedKey: 'pending', pending: pending.meta, material: { ...probe, keyPem: pending.keyPem } });
    else if (keyMatches(probe.cert, current.keyPem)) Object.assign(plan, { usedKey: 'current', material: { ...probe, keyPem: current.keyPem } });
    else
      throw new ImpbError('IMPB_ERR_CERT_KEY_MISMATCH', {
        message: `the certificate (${describeCertificate(probe.cert).subject}) matches neither the pending key${pending ? '' : ' (none: run imp-bridge cert csr first)'} nor the current key; nothing changed`,
      });
  });
  const entry = plan.checks.at(-1)!;
  if (entry.ok)
    entry.detail =
      plan.usedKey === 'pending' ? `matches the pending key${plan.pending ? ` (CSR for ${plan.pending.commonName})` : ''}` : 'matches the current key';
}

function expiryCheck(plan: InstallPlan, certs: X509Certificate[], ctx: InstallCheckContext): void {
  const soon = certs
    .map((c) => ({ c, days: Math.floor((notAfterMs(c) - ctx.now) / DAY_MS) }))
    .filter(({ c, days }) => notAfterMs(c) > ctx.now && days <= ctx.expiryWarnDays)
    .map(
      ({ c, days }) => `${describeCertificate(c).subject} expires in ${days} day${days === 1 ? '' : 's'}, within tls.expiryWarnDays (${ctx.expiryWarnDays})`,
    );
  const leafDays = Math.floor((notAfterMs(certs[0]) - ctx.now) / DAY_MS);
  if (soon.length) plan.checks.push({ check: 'expiry', ok: true, warning: true, detail: soon.join('; ') });
  else plan.checks.push({ check: 'expiry', ok: true, detail: `${leafDays} days left` });
}

/** Every check the install runs, in order; changes nothing. */
export function planInstall(input: InstallCheckInput, ctx: InstallCheckContext): InstallPlan {
  const plan: InstallPlan = { checks: [] };
  let probe: ServerMaterial | undefined;
  try {
    probe = assembleServerMaterial('', input.certPem, input.chainPem);
  } catch (err) {
    if (!(err instanceof ImpbError)) throw err;
    // Without a parsed certificate and a linked chain nothing else can be checked.
    plan.checks.push({ check: err.code === 'IMPB_ERR_CERT_CHAIN' ? 'chain' : 'certificate', ok: false, detail: err.message });
    plan.failure = err;
    return plan;
  }
  plan.checks.push({ check: 'certificate', ok: true, detail: describeCertificate(probe.cert, ctx.now).subject });
  keyCheck(plan, probe, ctx);
  run(plan, 'validity', `valid until ${new Date(notAfterMs(probe.cert)).toISOString()}`, () => {
    checkValidity(probe.cert, 'the certificate', ctx.now);
    for (const c of probe.chain) checkValidity(c, 'a chain certificate', ctx.now);
  });
  // A new key is for the names its CSR asked for; the current names are only the reference when the key stays.
  const names = describeCertificate(probe.cert).subjectAltNames.join(', ') || 'no names';
  run(plan, 'hostnames', `covers ${names}`, () =>
    checkHostnames(
      probe.cert,
      ctx.publicHostname,
      plan.usedKey === 'pending' && plan.pending ? { requested: plan.pending.subjectAltNames } : { current: ctx.current.cert },
    ),
  );
  const warnings = chainWarnings(probe);
  const chainText = probe.chain.map((c) => describeCertificate(c).subject).join(' → ');
  plan.checks.push({
    check: 'chain',
    ok: true,
    ...(warnings.length ? { warning: true, detail: warnings.join('; ') } : { detail: `links to ${chainText || 'its issuer'}` }),
  });
  expiryCheck(plan, [probe.cert, ...probe.chain], ctx);
  if (plan.failure) delete plan.material;
  return plan;
}

/** The warnings an install reports: the passed checks the operator should read. */
export const planWarnings = (plan: InstallPlan): string[] => plan.checks.filter((c) => c.warning).map((c) => c.detail);
