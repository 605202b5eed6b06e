export { createRelayForwarder, createUpstreamPool, resolvePem, type RelayAnswer, type RelayForwarder, type RelayRequest } from './relay-forwarder';
export { createUpstreamRegistry, type UpstreamRegistry } from './upstream-registry';
export {
  describeUpstreamIssues,
  upstreamSchema,
  UPSTREAM_AUTH,
  UPSTREAM_ON_FAILURE,
  type UpstreamSettings,
  type UpstreamSettingsInput,
} from '../../templates/upstream-settings';
export { endToEndHeaders, HOP_BY_HOP } from './hop-by-hop';
export { createDeliverySeal, loadDeliverySeal, type DeliverySeal } from './delivery-seal';
export { createQueuedDelivery, wireRelayQueue, type QueuedDelivery, type RelayQueueWiring } from './queued-delivery';
