import { createRelayForwarder, type RelayForwarder, type RelayForwarderDeps } from './relay-forwarder';
import type { UpstreamSettings } from '../../templates/upstream-settings';

export interface UpstreamRegistry {
  /** The forwarder of a template's upstream, rebuilt (and the old pool closed) when its settings change. */
  forwarder(templateName: string, upstream: UpstreamSettings): RelayForwarder;
  closeAll(): Promise<void>;
}

/** One keep-alive pool per template upstream, kept across requests; no global dispatcher. */
export function createUpstreamRegistry(options: Omit<RelayForwarderDeps, 'upstream'> = {}): UpstreamRegistry {
  const entries = new Map<string, { fingerprint: string; forwarder: RelayForwarder }>();
  return {
    forwarder(templateName, upstream) {
      const fingerprint = JSON.stringify(upstream);
      const current = entries.get(templateName);
      if (current?.fingerprint === fingerprint) return current.forwarder;
      // Requests in flight on the old pool finish; close() waits for them.
      if (current) void current.forwarder.close();
      const forwarder = createRelayForwarder({ ...options, upstream });
      entries.set(templateName, { fingerprint, forwarder });
      return forwarder;
    },
    async closeAll() {
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map((e) => e.forwarder.close()));
    },
  };
}
