import type { Config } from '../../config/schema';
import type { ProvisioningEvent, Template } from '../../domain';
import type { Logger } from '../../observability';
import type { AcceptInput, EventLog, Store } from '../../store/port';
import { applyDocument } from '../apply-document';
import type { FlowThroughDocument } from '../dialect/read-document';

/**
 * The store as provision mode's document code sees it in a dry run: every read is the real one
 * (who owns a user, its last event), the accept that would commit is captured instead.
 */
function dryRunStore(store: Store, captured: ProvisioningEvent[]): Store {
  const events: EventLog = {
    ...store.events,
    accept: (inputs: AcceptInput[]) => {
      captured.push(...inputs.map((i) => i.event));
      return Promise.resolve(inputs.map(() => ({ eventId: 0, duplicate: false })));
    },
    get: (id) => store.events.get(id),
    listForUser: (userId, limit) => store.events.listForUser(userId, limit),
    count: () => store.events.count(),
  };
  return new Proxy(store, {
    get: (target, key, receiver): unknown => (key === 'events' ? events : Reflect.get(target, key, receiver)),
  });
}

/** The events provision mode would accept from a document, computed by applyDocument itself; nothing is stored. */
export function createShadowEventDeriver(deps: { config: Config; logger: Logger; store: Store }) {
  return async (template: Template, doc: FlowThroughDocument, requestId: string): Promise<ProvisioningEvent[]> => {
    const captured: ProvisioningEvent[] = [];
    await applyDocument(
      {
        config: deps.config,
        logger: deps.logger,
        store: dryRunStore(deps.store, captured),
        template,
        requestId,
        rawRequest: '',
      },
      doc,
    );
    return captured;
  };
}
