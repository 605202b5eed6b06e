import { Counter, type Registry } from 'prom-client';

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
  | 'throttled';

export interface InboundMetrics {
  request(template: string, outcome: InboundOutcome): void;
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
  const unknown = new Counter({
    name: 'impb_unknown_requests_total',
    help: 'Authenticated requests the dialect does not know (stored for operators, answered 4002)',
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
    request: (template, outcome) => requests.inc({ template, outcome }),
    unknownRequest: (template) => unknown.inc({ template }),
    authFailure: (template) => authFailures.inc({ template }),
  };
}
