import { ImpbError } from '../../errors';
import type { XmlElement } from '../xml/parse-xml';
import { compileDialect, type CompiledDialect } from './dialect-extensions';
import { COMMAND_ELEMENT, DOCUMENT_CREDENTIAL_ELEMENTS, ROOT_ELEMENT, SESSION_ELEMENT, type CanonicalField, type CommandSpec } from './dialect-table';

export interface RawCommand {
  /** 1-based position in the document. */
  position: number;
  /** The request's own `echo` attribute, when it sent one. */
  echo?: string;
  /** `xsi:type` as sent (prefix stripped), '' when absent. */
  type: string;
  /** Set when the command has no `xsi:type` or more than one: refused with 4001. */
  typeProblem?: 'missing' | 'given more than once';
  spec?: CommandSpec;
  /** Canonical field → trimmed value ('' for an empty element). Prototype-less. */
  fields: Partial<Record<CanonicalField, string>>;
  /** Fields given more than once or with child elements instead of text. */
  malformedFields: Array<{ field: CanonicalField; problem: string }>;
  /** Element names the table does not know (ignored, reported in logs). */
  unknownElements: string[];
  /** Element names the configured extensions say to ignore. */
  ignoredElements?: string[];
  /** Every child element name as sent, in order (for dialect coverage). */
  elementNames?: string[];
}

export interface FlowThroughDocument {
  sessionId: string;
  commands: RawCommand[];
  credentials?: { username: string; password: string };
  /** Top-level elements other than sessionId, command and credentials (an unknown shape). */
  otherElements: string[];
}

const BUILT_IN = compileDialect();

function readCommand(element: XmlElement, position: number, dialect: CompiledDialect): RawCommand {
  // Only `type` in the XSI namespace counts (parse-xml resolves the prefixes); unprefixed or
  // foreign `type` attributes are not the command type.
  const type = element.xsiTypes.length === 1 ? element.xsiTypes[0] : '';
  const typeProblem = element.xsiTypes.length === 0 ? 'missing' : element.xsiTypes.length > 1 ? 'given more than once' : undefined;
  const fields = Object.create(null) as Partial<Record<CanonicalField, string>>;
  const malformedFields: RawCommand['malformedFields'] = [];
  const unknownElements: string[] = [];
  const ignoredElements: string[] = [];
  for (const child of element.children) {
    const field = dialect.field(child.name);
    if (!field) {
      (dialect.isIgnored(child.name) ? ignoredElements : unknownElements).push(child.name);
      continue;
    }
    if (fields[field] !== undefined) malformedFields.push({ field, problem: 'given more than once' });
    else if (child.children.length) malformedFields.push({ field, problem: 'expected text, not elements' });
    fields[field] = child.text;
  }
  const echo = element.attributes['echo'];
  const command: RawCommand = {
    position,
    echo,
    type: type.includes(':') ? type.slice(type.indexOf(':') + 1) : type,
    spec: dialect.commandSpec(type),
    fields,
    malformedFields,
    unknownElements,
    ignoredElements,
    elementNames: element.children.map((c) => c.name),
  };
  if (typeProblem) {
    command.typeProblem = typeProblem;
    delete command.spec;
  }
  return command;
}

/**
 * The dialect's view of a parsed document: session, commands in order, document credentials.
 * `dialect` carries the configured extensions (the provider's current one, per request).
 */
export function readFlowThroughDocument(root: XmlElement, options: { maxCommands?: number; dialect?: CompiledDialect } = {}): FlowThroughDocument {
  const dialect = options.dialect ?? BUILT_IN;
  if (root.name !== ROOT_ELEMENT) {
    throw new ImpbError('IMPB_ERR_NOT_BROADSOFT_DOCUMENT', { message: `not a BroadsoftDocument (root element ${root.name.slice(0, 64)})` });
  }
  const maxCommands = options.maxCommands ?? Infinity;
  const commandCount = root.children.reduce((n, child) => n + (child.name === COMMAND_ELEMENT ? 1 : 0), 0);
  if (commandCount > maxCommands) {
    throw new ImpbError('IMPB_ERR_TOO_MANY_COMMANDS', {
      message: `${commandCount} commands in one document; at most ${maxCommands} are accepted (provisioning.maxCommandsPerDocument)`,
      details: { commands: commandCount, limit: maxCommands },
    });
  }
  let sessionId = '';
  let username: string | undefined;
  let password: string | undefined;
  const commands: RawCommand[] = [];
  const otherElements: string[] = [];
  for (const child of root.children) {
    if (child.name === SESSION_ELEMENT) sessionId = child.text;
    else if (child.name === COMMAND_ELEMENT) commands.push(readCommand(child, commands.length + 1, dialect));
    else if (child.name === DOCUMENT_CREDENTIAL_ELEMENTS.userId) username = child.text;
    else if (child.name === DOCUMENT_CREDENTIAL_ELEMENTS.password) password = child.text;
    else otherElements.push(child.name);
  }
  return { sessionId, commands, otherElements, credentials: username !== undefined && password !== undefined ? { username, password } : undefined };
}
