import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ImpbError, isImpbError } from '../../errors';
import { decodeDocument } from './decode-document';
import type { XmlEncoding } from './declared-encoding';
import { DEFAULT_STRUCTURE_LIMITS, MAX_XML_DEPTH, refuseDeclarations, refuseHostileStructure, type StructureLimits } from './hostile-input-guards';
import { decodeReferences, MAX_CHARACTER_REFERENCES, type ReferenceBudget } from './xml-text';

/**
 * A parsed element, built by us from the parser's output: names without namespace prefixes
 * (the dialect ignores them), text with references decoded and trimmed. Attributes are
 * resolved against the in-scope namespace declarations: `attributes` holds only those in no
 * namespace (unprefixed), `xsiTypes` every `type` in the XML Schema instance namespace,
 * whatever prefix it was written with; other prefixed attributes are dropped, so a foreign
 * `foo:type` can never be read as the command type.
 */
export interface XmlElement {
  name: string;
  attributes: Readonly<Record<string, string>>;
  xsiTypes: readonly string[];
  children: XmlElement[];
  text: string;
}

export interface ParsedDocument {
  root: XmlElement;
  encoding: XmlEncoding;
  /** The decoded document text (for masked storage). */
  text: string;
}

export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

const CDATA = '#cdata';
const TEXT = '#text';
const ATTRS = ':@';
const ATTR_PREFIX = '@_';

// Hardened per ../shared/house-style.md: values stay strings, entities are not expanded by the
// parser (we decode the predefined ones ourselves), depth is capped a second time. Prefixes
// are kept: attribute names are resolved against their xmlns declarations below.
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: ATTR_PREFIX,
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  trimValues: true,
  cdataPropName: CDATA,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_XML_DEPTH + 1,
});

function stripPrefix(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** Prefix → namespace URI in scope; a child copies it only when it declares its own. */
type Scope = ReadonlyMap<string, string>;
const ROOT_SCOPE: Scope = new Map([['xml', XML_NAMESPACE]]);

const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);
const NO_TYPES: readonly string[] = Object.freeze([]);

const localAttributeName = (key: string) => (key.startsWith(ATTR_PREFIX) ? key.slice(ATTR_PREFIX.length) : key);

function scopeOf(raw: Record<string, unknown>, keys: string[], names: string[], parent: Scope): Scope {
  let scope: Map<string, string> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const name = names[i];
    const value = raw[keys[i]];
    if (!name.startsWith('xmlns:') || typeof value !== 'string') continue;
    scope ??= new Map(parent);
    scope.set(name.slice('xmlns:'.length), value);
  }
  return scope ?? parent;
}

// Most elements of a command carry no attribute: they share the frozen empties, so a request
// allocates attribute records only for the root, sessionId and command elements.
function readAttributes(rawAttrs: unknown, parent: Scope, budget: ReferenceBudget) {
  if (!rawAttrs || typeof rawAttrs !== 'object') return { attributes: NO_ATTRIBUTES, xsiTypes: NO_TYPES, scope: parent };
  const raw = rawAttrs as Record<string, unknown>;
  const keys = Object.keys(raw);
  const names = keys.map(localAttributeName);
  const scope = scopeOf(raw, keys, names, parent);
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
  const xsiTypes: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const name = names[i];
    const value = raw[keys[i]];
    if (typeof value !== 'string' || name === 'xmlns' || name.startsWith('xmlns:')) continue;
    const colon = name.indexOf(':');
    if (colon < 0) {
      attributes[name] = decodeReferences(value, budget);
      continue;
    }
    // An unbound prefix resolves to nothing, so it can never name the XSI namespace.
    if (name.slice(colon + 1) === 'type' && scope.get(name.slice(0, colon)) === XSI_NAMESPACE) xsiTypes.push(decodeReferences(value, budget));
  }
  return { attributes: Object.freeze(attributes), xsiTypes: Object.freeze(xsiTypes), scope };
}

type OrderedNode = Record<string, unknown>;

/** The element name of a preserveOrder node: its one key besides the attributes. */
function nodeName(node: OrderedNode): string | undefined {
  for (const key in node) if (key !== ATTRS) return key;
  return undefined;
}

function toElement(name: string, node: OrderedNode, budget: ReferenceBudget, parentScope: Scope): XmlElement {
  const { attributes, xsiTypes, scope } = readAttributes(node[ATTRS], parentScope, budget);
  const children: XmlElement[] = [];
  let text = '';
  const content = node[name];
  for (const child of Array.isArray(content) ? (content as OrderedNode[]) : []) {
    const key = nodeName(child);
    if (key === undefined) continue;
    if (key === TEXT) text += decodeReferences(String(child[TEXT]), budget);
    else if (key === CDATA) {
      const parts = child[CDATA] as OrderedNode[];
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the parser keeps every value as a string (parseTagValue off)
      text += parts.map((p) => String(p[TEXT] ?? '')).join('');
    } else children.push(toElement(key, child, budget, scope));
  }
  return { name: stripPrefix(name), attributes, xsiTypes, children, text: text.trim() };
}

/**
 * Bytes → element tree, refusing hostile input before the parser runs: declarations
 * (DOCTYPE/ENTITY), reserved names, nesting beyond the cap, more elements, longer names or
 * more attributes than the limits, invalid encoding, malformed or
 * truncated markup. Every refusal is an ImpbError the adapter maps to AS code 4001.
 */
export function parseXmlDocument(bytes: Buffer, contentType?: string, limits: StructureLimits = DEFAULT_STRUCTURE_LIMITS): ParsedDocument {
  refuseDeclarations(bytes.toString('latin1'));
  const { text, encoding } = decodeDocument(bytes, contentType);
  refuseHostileStructure(text, limits);
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    throw new ImpbError('IMPB_ERR_XML_MALFORMED', { message: `malformed XML: ${validation.err.msg.slice(0, 160)} (line ${validation.err.line})` });
  }
  let ordered: OrderedNode[];
  try {
    ordered = parser.parse(text) as OrderedNode[];
  } catch (err) {
    throw new ImpbError('IMPB_ERR_XML_MALFORMED', { message: `malformed XML: ${String((err as Error).message).slice(0, 160)}`, cause: err });
  }
  const roots = ordered.filter((node) => Object.keys(node).some((k) => k !== ATTRS && k !== TEXT && !k.startsWith('?')));
  if (roots.length !== 1) throw new ImpbError('IMPB_ERR_XML_MALFORMED', { message: 'malformed XML: expected one root element' });
  const rootNode = roots[0];
  const rootName = Object.keys(rootNode).find((k) => k !== ATTRS)!;
  try {
    return { root: toElement(rootName, rootNode, { remaining: MAX_CHARACTER_REFERENCES }, ROOT_SCOPE), encoding, text };
  } catch (err) {
    if (isImpbError(err)) throw err;
    throw new ImpbError('IMPB_ERR_XML_MALFORMED', { cause: err });
  }
}
