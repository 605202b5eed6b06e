import type { Closer, Runtime } from '../runtime';

export interface PipelineWiring {
  close: Closer;
}

export async function wirePipeline(_rt: Runtime): Promise<PipelineWiring> {
  return { close: () => undefined };
}
