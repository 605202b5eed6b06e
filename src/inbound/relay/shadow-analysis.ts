import type { PlannedCall, ShadowRecord, Template } from '../../domain';
import type { Logger } from '../../observability';
import { classifyRequest } from '../dialect/classify-request';
import type { DialectProvider } from '../dialect/dialect-extensions';
import type { FlowThroughDocument } from '../dialect/read-document';
import type { ShadowAnalysis } from '../flowthrough/relay-gate';

/** Where shadow records go (the store's shadow repository in production). */
export interface ShadowRecordSink {
  add(record: ShadowRecord): Promise<unknown>;
}

export interface ShadowPlanner {
  /** The events provision mode would accept from the document (nothing is stored). */
  events(template: Template, doc: FlowThroughDocument, requestId: string): Promise<ShadowRecord['events']>;
  /** The Webex calls provision mode would make for those events (no call is made, no state changes). */
  plan(template: Template, events: ShadowRecord['events']): Promise<PlannedCall[]>;
}

export interface ShadowAnalysisDeps {
  dialect: DialectProvider;
  records: ShadowRecordSink;
  logger: Logger;
  planner?: ShadowPlanner;
  now?: () => Date;
}

function groupMode(template: Template): boolean {
  return !template.enterpriseMode && !template.enterpriseIdPattern;
}

/**
 * Shadow mode's second look at a relayed request: read with imp-bridge's dialect (the same
 * extensions provision mode would use), understood or not and why, the events it derives and
 * the Webex calls it would make, kept for the coverage report. Never a Webex call.
 */
export function createShadowAnalysis(deps: ShadowAnalysisDeps): ShadowAnalysis {
  return async ({ template, requestId, request, answer, knownSecrets }) => {
    const contentType = Array.isArray(request.headers['content-type']) ? request.headers['content-type'][0] : request.headers['content-type'];
    const receivedAt = (deps.now?.() ?? new Date()).toISOString();
    const classified = classifyRequest({ template: template.name, receivedAt, body: request.body, contentType, knownSecrets }, { dialect: deps.dialect.current(), groupMode: groupMode(template) });
    let events: ShadowRecord['events'] = [];
    let plan: PlannedCall[] = [];
    if (classified.document && deps.planner) {
      events = await deps.planner.events(template, classified.document, requestId);
      plan = await deps.planner.plan(template, events);
    }
    const record: ShadowRecord = { ...classified.observation, requestId, upstreamStatus: answer.status, events, plan };
    await deps.records.add(record);
    if (!record.understood) {
      deps.logger.info('shadow: a request the dialect does not fully understand', { event: 'shadow.gap', template: template.name, requestId, gaps: record.gaps.slice(0, 10) });
    }
  };
}
