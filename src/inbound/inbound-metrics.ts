import { Counter, Histogram, type Registry } from 'prom-client';

export type InboundOutcome =
  | 'accepted'
  | 'duplicate'
  | 'status'
  | 'xml_error'
  | 'invalid'
  | 'unknown_command'
  | 'other_template'
  | 'persistence_error'
  | 'unauthenticated'
  | 'forbidden'
  | 'unknown_template'
  | 'too_large'
  | 'unsupported_media_type'
  | 'throttled'
  | 'relayed'
  | 'relay_failed'
  /** A queue-mode relay template stored the request for delivery and answered success. */
  | 'queued';

export interface InboundMetrics {
  /** One answered request: counted, and its time from arrival to answer observed. */
  request(template: string, outcome: InboundOutcome, durationSeconds: number): void;
  unknownRequest(template: string): void;
  authFailure(template: string): void;
}

export function createInboundMetrics(registry: Registry): InboundMetrics {
  const requests = new Counter({
    name: 'impb_inbound_requests_total',
    help: 'Flow-through requests by template and outcome (template "unknown" for names no template has)',
    labelNames: ['template', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'impb_inbound_request_duration_seconds',
    help: 'Time from the arrival of a flow-through request to its answer, by template and outcome (includes throttle delays and the store commit)',
    labelNames: ['template', 'outcome'],
    // The AS gives up after a few seconds; throttled requests can wait up to 30 s.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const unknown = new Counter({
    name: 'impb_unknown_requests_total',
    help: 'Authenticated requests the dialect does not know (stored for operators, answered 4002, or 4001 when the root is not BroadsoftDocument)',
    labelNames: ['template'],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'impb_auth_failures_total',
    help: 'Failed authentications (wrong account, client certificate outside the cluster rules)',
    labelNames: ['template'],
    registers: [registry],
  });
  return {
    request: (template, outcome, durationSeconds) => {
      requests.inc({ template, outcome });
      duration.observe({ template, outcome }, durationSeconds);
    },
    unknownRequest: (template) => unknown.inc({ template }),
    authFailure: (template) => authFailures.inc({ template }),
  };
}
