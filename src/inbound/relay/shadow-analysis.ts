import type { PlannedCall, ProvisioningEvent, ShadowRecord, Template } from '../../domain';
import type { Logger } from '../../observability';
import { classifyRequest } from '../dialect/classify-request';
import type { DialectProvider } from '../dialect/dialect-extensions';
import type { FlowThroughDocument } from '../dialect/read-document';
import type { ShadowAnalysis } from '../flowthrough/relay-gate-deps';

/** Where shadow records go (the store's shadow repository in production). */
export interface ShadowRecordSink {
  add(record: ShadowRecord): Promise<unknown>;
}

/** The events provision mode would accept from the document (nothing is stored). */
export type ShadowEventDeriver = (template: Template, doc: FlowThroughDocument, requestId: string) => Promise<ProvisioningEvent[]>;
/** The Webex calls provision mode would make for those events (no call is made, no state changes). */
export type ShadowCallPlanner = (template: Template, events: ProvisioningEvent[]) => Promise<PlannedCall[]>;

export interface ShadowAnalysisDeps {
  dialect: DialectProvider;
  records: ShadowRecordSink;
  logger: Logger;
  deriveEvents?: ShadowEventDeriver;
  planCalls?: ShadowCallPlanner;
  now?: () => Date;
}

/** A header as node may hand it over: once, repeated, or absent. */
function firstValue(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
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
    const contentType = firstValue(request.headers['content-type']);
    const receivedAt = (deps.now?.() ?? new Date()).getTime();
    const classified = classifyRequest(
      { template: template.name, receivedAt, body: request.body, contentType, knownSecrets },
      { dialect: deps.dialect.current(), groupMode: groupMode(template) },
    );
    let events: ProvisioningEvent[] = [];
    let plan: PlannedCall[] = [];
    if (classified.document && deps.deriveEvents) {
      events = await deps.deriveEvents(template, classified.document, requestId);
      if (deps.planCalls) plan = await deps.planCalls(template, events);
    }
    const record: ShadowRecord = {
      ...classified.observation,
      requestId,
      upstreamStatus: answer.status,
      // The IM&P password never reaches an event's profile; the profile is what Webex would get.
      events: events.map((e) => ({
        kind: e.kind,
        userId: e.userId,
        enterpriseId: e.enterpriseId,
        profile: { ...e.profile },
      })),
      plan,
    };
    await deps.records.add(record);
    if (!record.understood) {
      deps.logger.info('shadow: a request the dialect does not fully understand', {
        event: 'shadow.gap',
        template: template.name,
        requestId,
        gaps: record.gaps.slice(0, 10),
      });
    }
  };
}
