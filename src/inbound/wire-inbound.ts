import type { Router } from 'express';
import type { Closer, Runtime } from '../runtime';

export interface InboundWiring {
  routers: Router[];
  close: Closer;
}

export async function wireInbound(_rt: Runtime): Promise<InboundWiring> {
  return { routers: [], close: () => undefined };
}
