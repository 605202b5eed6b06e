import type { Router } from 'express';
import type { Closer, Runtime } from '../runtime';

export interface AdminWiring {
  routers: Router[];
  close: Closer;
}

export async function wireAdmin(_rt: Runtime): Promise<AdminWiring> {
  return { routers: [], close: () => undefined };
}
