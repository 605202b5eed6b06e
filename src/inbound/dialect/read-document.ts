import { ImpbError } from '../../errors';
import type { XmlElement } from '../xml/parse-xml';
import { compileDialect, type CompiledDialect } from './dialect-extensions';
import {
  COMMAND_ELEMENT,
  DOCUMENT_CREDENTIAL_ELEMENTS,
  ROOT_ELEMENT,
  SESSION_ELEMENT,
  type CanonicalField,
  type CommandSpec,
} from './dialect-table';

export interface RawCommand {
  /** 1-based position in the document. */
  position: number;
  /** The request's own `echo` attribute, when it sent one. */
  echo?: string;
  /** `xsi:type` as sent (prefix stripped), '' when absent. */
  type: string;
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
  const type = element.attributes['type'] ?? '';
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
  return { position, echo, type: type.includes(':') ? type.slice(type.indexOf(':') + 1) : type, spec: dialect.commandSpec(type), fields, malformedFields, unknownElements, ignoredElements, elementNames: element.children.map((c) => c.name) };
}

/**
 * The dialect's view of a parsed document: session, commands in order, document credentials.
 * `dialect` carries the configured extensions (the provider's current one, per request).
 */
export function readFlowThroughDocument(root: XmlElement, dialect: CompiledDialect = BUILT_IN): FlowThroughDocument {
  if (root.name !== ROOT_ELEMENT) {
    throw new ImpbError('IMPB_ERR_NOT_BROADSOFT_DOCUMENT', { message: `not a BroadsoftDocument (root element ${root.name.slice(0, 64)})` });
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
