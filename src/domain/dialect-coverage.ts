/**
 * Dialect coverage: how much of the real traffic of a template imp-bridge understands, from the
 * observations shadow mode records. Pure: the store keeps observations, this computes the view.
 */
import { toIsoTime } from './time-presenter';

export const GAP_KINDS = ['not-xml', 'not-broadsoft', 'no-command', 'unknown-command', 'unknown-element', 'missing-field', 'invalid-field'] as const;
export type GapKind = (typeof GAP_KINDS)[number];

export interface DialectGap {
  kind: GapKind;
  /** The command's xsi:type when the gap is inside a command. */
  commandType?: string;
  /** Element or field name, when there is one. */
  name?: string;
  detail?: string;
}

export interface ObservedCommand {
  /** xsi:type as sent (prefix stripped), '' when absent. */
  type: string;
  understood: boolean;
  /** Child elements of the command, each once per command. */
  elements: Array<{ name: string; understood: boolean }>;
}

export interface DialectObservation {
  template: string;
  /** Epoch ms the request arrived. */
  receivedAt: number;
  understood: boolean;
  gaps: DialectGap[];
  commands: ObservedCommand[];
  /** The request as stored (masked), for the one example per unknown shape. */
  maskedExample?: string;
}

export interface CoverageRow {
  name: string;
  understood: number;
  notUnderstood: number;
  firstSeen: string;
  lastSeen: string;
  /** One masked request where it was not understood. */
  example?: string;
}

export interface UnknownShape {
  /** e.g. `unknown-command UserFooRequest` or `UserIntegratedIMPAddRequest: unknown-element <mail>`. */
  shape: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  example?: string;
}

export interface DialectCoverage {
  template?: string;
  since: string;
  until: string;
  days: number;
  requests: { total: number; understood: number; notUnderstood: number };
  commandTypes: CoverageRow[];
  elements: CoverageRow[];
  unknownShapes: UnknownShape[];
  verdict: { complete: boolean; text: string; gaps: string[] };
}

const DAY_MS = 86_400_000;

/** `7d`, `36h`, `90m` → milliseconds; undefined when the text is not one of those. */
export function parseSince(text: string): number | undefined {
  const m = /^([1-9][0-9]{0,4})([dhm])$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * ({ d: DAY_MS, h: 3_600_000, m: 60_000 } as const)[m[2] as 'd' | 'h' | 'm'];
}

function shapeOf(gap: DialectGap): string {
  const where = gap.commandType !== undefined ? `${gap.commandType || '(no xsi:type)'}: ` : '';
  const what =
    gap.kind === 'unknown-command'
      ? `unknown command type ${gap.commandType || '(none)'}`
      : gap.name
        ? `${gap.kind} ${gap.kind.endsWith('element') ? `<${gap.name}>` : gap.name}`
        : gap.kind;
  return gap.kind === 'unknown-command' ? what : `${where}${what}`;
}

function touch(rows: Map<string, CoverageRow>, name: string, understood: boolean, at: string, example: string | undefined): void {
  let row = rows.get(name);
  if (!row) rows.set(name, (row = { name, understood: 0, notUnderstood: 0, firstSeen: at, lastSeen: at }));
  if (understood) row.understood++;
  else {
    row.notUnderstood++;
    row.example ??= example;
  }
  if (at < row.firstSeen) row.firstSeen = at;
  if (at > row.lastSeen) row.lastSeen = at;
}

const byName = (a: CoverageRow, b: CoverageRow) => a.name.localeCompare(b.name);

function describeWindow(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS} day${ms === DAY_MS ? '' : 's'}`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hours`;
  return `${Math.round(ms / 60_000)} minutes`;
}

/**
 * Coverage over the observations of the window (`sinceMs` back from `now`), optionally of one
 * template. The verdict is complete only when at least one request was seen and every one was
 * understood: no traffic is no evidence.
 */
export function computeDialectCoverage(
  observations: Iterable<DialectObservation>,
  options: { now: Date; sinceMs: number; template?: string },
): DialectCoverage {
  // The coverage is a rendered view (its verdict text quotes times): its times are ISO text.
  const sinceMs = options.now.getTime() - options.sinceMs;
  const untilMs = options.now.getTime();
  const since = toIsoTime(sinceMs);
  const until = toIsoTime(untilMs);
  const commandTypes = new Map<string, CoverageRow>();
  const elements = new Map<string, CoverageRow>();
  const shapes = new Map<string, UnknownShape>();
  const requests = { total: 0, understood: 0, notUnderstood: 0 };
  for (const o of observations) {
    if (o.receivedAt < sinceMs || o.receivedAt > untilMs || (options.template !== undefined && o.template !== options.template)) continue;
    const at = toIsoTime(o.receivedAt);
    requests.total++;
    requests[o.understood ? 'understood' : 'notUnderstood']++;
    for (const c of o.commands) {
      touch(commandTypes, c.type || '(no xsi:type)', c.understood, at, o.maskedExample);
      for (const e of c.elements) touch(elements, e.name, e.understood, at, o.maskedExample);
    }
    for (const shape of new Set(o.gaps.map(shapeOf))) {
      const s = shapes.get(shape);
      if (!s)
        shapes.set(shape, {
          shape,
          count: 1,
          firstSeen: at,
          lastSeen: at,
          example: o.maskedExample,
        });
      else {
        s.count++;
        if (at < s.firstSeen) s.firstSeen = at;
        if (at > s.lastSeen) s.lastSeen = at;
        s.example ??= o.maskedExample;
      }
    }
  }
  const unknownShapes = [...shapes.values()].sort((a, b) => b.count - a.count || a.shape.localeCompare(b.shape));
  const window = describeWindow(options.sinceMs);
  const gaps = unknownShapes.map((s) => `${s.shape} (${s.count} request${s.count === 1 ? '' : 's'}, last ${s.lastSeen})`);
  const scope = options.template ? ` for template ${options.template}` : '';
  const verdict =
    requests.total === 0
      ? {
          complete: false,
          text: `no request seen in the last ${window}${scope}: nothing shows the dialect is understood`,
          gaps: [],
        }
      : requests.notUnderstood === 0
        ? {
            complete: true,
            text: `every request of the last ${window} understood (${requests.total})${scope}`,
            gaps: [],
          }
        : {
            complete: false,
            text: `${requests.notUnderstood} of ${requests.total} requests of the last ${window} not understood${scope}`,
            gaps,
          };
  return {
    template: options.template,
    since,
    until,
    days: options.sinceMs / DAY_MS,
    requests,
    commandTypes: [...commandTypes.values()].sort(byName),
    elements: [...elements.values()].sort(byName),
    unknownShapes,
    verdict,
  };
}

/** One Webex call `provision` mode would make, as the dry run planned it. */
export interface PlannedCall {
  operation: string;
  method: string;
  path: string;
  body?: unknown;
}

/** What shadow mode keeps for each relayed request, besides the recorded exchange. */
export interface ShadowRecord extends DialectObservation {
  requestId: string;
  /** The upstream's status (502 when it did not answer). */
  upstreamStatus: number;
  /** The events provision mode would have accepted from this request. */
  events: Array<{ kind: string; userId: string; enterpriseId: string; profile: Record<string, unknown> }>;
  /** The Webex calls provision mode would make for them (dry run, from the same planning code). */
  plan: PlannedCall[];
}
