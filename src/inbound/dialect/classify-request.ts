import type { DialectGap, DialectObservation, GapKind, ObservedCommand } from '../../domain';
import { isImpbError } from '../../errors';
import { maskDocument } from '../mask-request';
import { parseXmlDocument } from '../xml/parse-xml';
import { compileDialect, type CompiledDialect } from './dialect-extensions';
import { readFlowThroughDocument, type FlowThroughDocument, type RawCommand } from './read-document';
import { validateCommand, type ValidatedCommand } from './validate-command';

export interface ClassifiedRequest {
  observation: DialectObservation;
  /** The document as read, when it was a BroadsoftDocument (for the derived events). */
  document?: FlowThroughDocument;
  /** Per command, in order: the validation result (undefined for an unknown type). */
  validated: Array<ValidatedCommand | undefined>;
}

export interface ClassifyInput {
  template: string;
  /** Epoch ms. */
  receivedAt: number;
  body: Buffer;
  contentType?: string;
  /** Exact secrets to mask in the example besides the secret-named elements (e.g. the AS's password). */
  knownSecrets?: Array<string | undefined>;
}

function commandGaps(command: RawCommand, validated: ValidatedCommand | undefined): DialectGap[] {
  const commandType = command.type;
  if (!command.spec) return [{ kind: 'unknown-command', commandType }];
  const gaps: DialectGap[] = command.unknownElements.map((name) => ({
    kind: 'unknown-element' as const,
    commandType,
    name,
  }));
  if (validated && !validated.ok) {
    for (const field of validated.missing) gaps.push({ kind: 'missing-field', commandType, name: field });
    for (const p of validated.invalid) gaps.push({ kind: 'invalid-field', commandType, name: p.field, detail: p.problem });
  }
  return gaps;
}

function observedCommand(command: RawCommand, gaps: DialectGap[]): ObservedCommand {
  const unknown = new Set(command.unknownElements);
  const names = new Set<string>(command.elementNames ?? [...Object.keys(command.fields), ...command.unknownElements]);
  return {
    type: command.type,
    understood: gaps.length === 0,
    elements: [...names].map((name) => ({ name, understood: !unknown.has(name) })),
  };
}

/**
 * What imp-bridge's dialect makes of one request, without acting on it: understood or not and
 * why (not XML, not a BroadsoftDocument, unknown command or element, missing or invalid field).
 * Element names in `elements` are as sent; field aliases count as understood.
 */
export function classifyRequest(input: ClassifyInput, options: { dialect?: CompiledDialect; groupMode?: boolean } = {}): ClassifiedRequest {
  const dialect = options.dialect ?? compileDialect();
  const base = { template: input.template, receivedAt: input.receivedAt };
  let text: string | undefined;
  let document: FlowThroughDocument;
  try {
    const parsed = parseXmlDocument(input.body, input.contentType);
    text = parsed.text;
    document = readFlowThroughDocument(parsed.root, { dialect });
  } catch (err) {
    const kind: GapKind = text !== undefined && isImpbError(err, 'IMPB_ERR_NOT_BROADSOFT_DOCUMENT') ? 'not-broadsoft' : 'not-xml';
    const detail = isImpbError(err) ? err.message : 'unreadable';
    // A document that is not XML is kept only as its masked latin-1 text: every byte maps to a character.
    const maskedExample = maskDocument(text ?? input.body.toString('latin1'), input.knownSecrets);
    return {
      observation: { ...base, understood: false, gaps: [{ kind, detail }], commands: [], maskedExample },
      validated: [],
    };
  }
  const gaps: DialectGap[] = document.otherElements.map((name) => ({ kind: 'unknown-element' as const, name }));
  if (document.commands.length === 0) gaps.push({ kind: 'no-command' });
  const validated: Array<ValidatedCommand | undefined> = [];
  const commands: ObservedCommand[] = [];
  for (const command of document.commands) {
    const result = command.spec
      ? validateCommand(command as RawCommand & { spec: NonNullable<RawCommand['spec']> }, {
          groupMode: options.groupMode ?? false,
        })
      : undefined;
    validated.push(result);
    const own = commandGaps(command, result);
    gaps.push(...own);
    commands.push(observedCommand(command, own));
  }
  const maskedExample = maskDocument(text, [...(input.knownSecrets ?? []), document.credentials?.password]);
  return {
    observation: { ...base, understood: gaps.length === 0, gaps, commands, maskedExample },
    document,
    validated,
  };
}
