import { z } from 'zod';

export const limitSchema = z.coerce.number().int().min(1).max(10_000).optional().describe('page size');
export const offsetSchema = z.coerce.number().int().min(0).optional().describe('rows to skip');

/** Query-string booleans: true/false/1/0. */
export const queryBoolean = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .optional();

export const nameParams = z.object({ name: z.string().min(1) });
export const userParams = z.object({ userId: z.string().min(1).describe('BroadWorks user id, e.g. 2405551212@voip.example.net') });
export const idParams = z.object({ id: z.coerce.number().int().min(1) });
