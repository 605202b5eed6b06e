import { isIP } from 'node:net';
import { z } from 'zod';
import { TEMPLATE_MODES, type ClusterDefinition, type TemplateDefinition } from '../domain/template';
import { upstreamSchema } from '../templates/upstream-settings';

/**
 * The clusters and customer templates of the configuration (`clusters:` and `templates:`);
 * the admin API derives its create/update schemas from these, so they stay one definition.
 */

/** Mutual assignability: the inferred config type and the domain's type are the same shape. */
type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Expect<T extends true> = T;

/** `192.0.2.10`, `192.0.2.0/24`, `2001:db8::1`, `2001:db8::/32`: what node:net's BlockList can hold. */
export function isIpOrCidr(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  return /^[0-9]{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export const clusterSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64'),
  description: z.string().max(500).default(''),
  hosts: z.array(z.string().min(1)).default([]).describe('AS/XSP host names or addresses of the cluster'),
  identityRules: z
    .strictObject({
      subjectCn: z.array(z.string().min(1)).default([]).describe('accepted client certificate subject CN patterns (* wildcard)'),
      san: z.array(z.string().min(1)).default([]).describe('accepted client certificate SAN patterns (* wildcard)'),
      fingerprints: z.array(z.string().min(1)).default([]).describe('accepted client certificate SHA-256 fingerprints'),
    })
    .default({ subjectCn: [], san: [], fingerprints: [] }),
  sourceAddresses: z
    .array(z.string().min(1).refine(isIpOrCidr, 'expected an IP address or CIDR (e.g. 192.0.2.10 or 192.0.2.0/24), not a host name'))
    .default([])
    .describe('accepted source addresses (exact IP or CIDR)'),
});
export type ClusterConfig = z.infer<typeof clusterSchema>;
// The domain owns the shape; the schema must produce exactly it (a compile error otherwise).
export type ClusterShapeChecked = Expect<SameShape<ClusterConfig, ClusterDefinition>>;

export const wholesaleOnboardingSchema = z.strictObject({
  customerName: z.string().optional().describe('customer name; {enterpriseId} is replaced'),
  primaryEmail: z.string().optional().describe('primary email of the customer; {enterpriseId} is replaced'),
  packages: z.array(z.string()).default(['webex_calling']),
  address: z
    .strictObject({
      addressLine1: z.string(),
      addressLine2: z.string().optional(),
      city: z.string(),
      stateOrProvince: z.string().optional(),
      zipOrPostalCode: z.string().optional(),
      country: z.string().length(2),
    })
    .optional(),
  language: z.string().optional(),
  callingLocation: z
    .strictObject({
      name: z.string(),
      timezone: z.string().optional(),
      language: z.string().optional(),
    })
    .optional(),
  locationId: z.string().optional(),
  provisioningId: z.string().optional(),
});

export { TEMPLATE_MODES, type TemplateMode } from '../domain/template';

export const templateConfigSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64'),
  enabled: z.boolean().default(true),
  targetApi: z.enum(['broadworks', 'wholesale']).default('broadworks'),
  provisioningId: z.string().min(1),
  package: z.string().min(1),
  trustedEmail: z.boolean().default(false),
  cluster: z.string().optional(),
  enterpriseMode: z.boolean().default(true),
  enterpriseIdPattern: z.string().optional().describe('e.g. {serviceProviderId}+{groupId}'),
  account: z.strictObject({
    username: z.string().min(1).max(80),
    password: z.string().min(8).max(20, 'the AS accepts provisioning passwords of at most 20 characters').optional(),
    passwordHash: z.string().optional(),
  }),
  language: z.string().optional(),
  timeZone: z.string().optional(),
  languageMap: z.record(z.string(), z.string()).optional(),
  recordMode: z.boolean().default(false),
  wholesale: wholesaleOnboardingSchema.optional(),
  mode: z
    .enum(TEMPLATE_MODES)
    .default('provision')
    .describe('provision: imp-bridge drives Webex; relay: forward to upstream.url unchanged; shadow: relay and check the dialect, dry run'),
  upstream: upstreamSchema.optional().describe('the existing provisioning URL a relay or shadow template forwards to'),
});
export type TemplateConfig = z.infer<typeof templateConfigSchema>;
export type TemplateShapeChecked = Expect<SameShape<Omit<TemplateConfig, 'account'>, TemplateDefinition>>;
