import { z } from 'zod';
import { currentActor } from '../../observability/request-context';
import type { Config } from '../../config/schema';
import type { Logger } from '../../observability';
import type { Store } from '../../store';
import { route, type ApiRoute } from '../api-route';
import { IMPORT_BATCH_LIMIT, IMPORT_FIELDS, importUsers } from '../../operations/import-users';

const fieldsSchema = z
  .record(z.string(), z.string().max(1024, 'at most 1024 characters'))
  .refine((f) => Object.keys(f).every((k) => (IMPORT_FIELDS as readonly string[]).includes(k)), { message: `allowed fields: ${IMPORT_FIELDS.join(', ')}` });

export const importUsersBodySchema = z
  .object({
    template: z.string().min(1).describe('the template the users were assigned with'),
    dryRun: z.boolean().default(false).describe('validate and report only; write nothing'),
    source: z.string().max(200).optional().describe('name of the file, for the audit of the stored events'),
    rows: z
      .array(z.object({ line: z.number().int().min(1), fields: fieldsSchema }).strict())
      .min(1)
      .max(IMPORT_BATCH_LIMIT)
      .describe(`at most ${IMPORT_BATCH_LIMIT} rows; fields by canonical name`),
  })
  .strict();

/** POST /import/users: assigns for users the AS will never send (provisioned before imp-bridge). */
export function importRoutes(rt: { config: Config; store: Store; logger: Logger; pipeline: { wake(): void } }): ApiRoute[] {
  return [
    route({
      method: 'post',
      path: '/import/users',
      tag: 'subscribers',
      summary: 'enqueue assigns for existing users, validated as flow-through adds; rows already imported are skipped',
      body: importUsersBodySchema,
      errors: [404, 409],
      handler: async ({ body }) => {
        const result = await importUsers({ config: rt.config, store: rt.store, logger: rt.logger, actor: currentActor('admin-api') }, body);
        if (!body.dryRun && result.counts.imported) rt.pipeline.wake();
        return result;
      },
    }),
  ];
}
