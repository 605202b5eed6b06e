import { z } from 'zod';
import { clusterSchema, templateConfigSchema } from '../config/schema';
import { MAX_PROVISIONING_PASSWORD_LENGTH } from '../domain';
import { upstreamPatchSchema } from './upstream-settings';

/**
 * Inputs of the template and cluster operations. The admin API validates requests with these
 * and its OpenAPI document is generated from them, so the two cannot drift apart.
 */

const passwordRule = z
  .string()
  .max(MAX_PROVISIONING_PASSWORD_LENGTH, `the AS accepts provisioning passwords of at most ${MAX_PROVISIONING_PASSWORD_LENGTH} characters`);

/** Strict here too, whatever the config file schema does: a misspelt field is refused, not dropped. */
export const clusterCreateSchema = clusterSchema.strict();
export type ClusterCreate = z.infer<typeof clusterCreateSchema>;

export const templateCreateSchema = templateConfigSchema
  .extend({
    account: z.object({
      username: z.string().min(1).max(80),
      password: passwordRule
        .min(8, 'use at least 8 characters')
        .optional()
        .describe('provisioning password for the AS (at most 20 characters); generated when absent'),
    }),
  })
  .strict();
export type TemplateCreate = z.infer<typeof templateCreateSchema>;

/** Every field optional and without its default, so an edit touches only what it names. */
function patchOf<S extends z.ZodRawShape>(shape: S) {
  const out: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(shape)) {
    const f = field as z.ZodType & { removeDefault?: () => z.ZodType };
    out[key] = (f.def.type === 'default' && f.removeDefault ? f.removeDefault() : f).optional();
  }
  return out as { [K in keyof S]: z.ZodOptional<S[K]> };
}

const { name: _clusterName, ...clusterFields } = clusterSchema.shape;
export const clusterPatchSchema = z.object(patchOf(clusterFields)).strict();
export type ClusterPatch = z.infer<typeof clusterPatchSchema>;

const { name: _templateName, account: _account, ...templateFields } = templateConfigSchema.shape;
export const templatePatchSchema = z
  .object({
    ...patchOf(templateFields),
    upstream: upstreamPatchSchema.optional().describe('only the keys given change'),
    account: z
      .object({
        username: z.string().min(1).max(80).optional(),
        password: passwordRule
          .refine((p) => p === '' || p.length >= 8, 'use at least 8 characters (or leave empty to keep the current password)')
          .optional()
          .describe('empty or absent: the current password is kept'),
      })
      .optional(),
  })
  .strict();
export type TemplatePatch = z.infer<typeof templatePatchSchema>;
