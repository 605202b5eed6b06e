import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ImpbError, isImpbError } from '../../errors';
import { decodeDocument } from './decode-document';
import type { XmlEncoding } from './declared-encoding';
import { refuseDeclarations, refuseDeepNesting, refuseReservedNames, MAX_XML_DEPTH } from './hostile-input-guards';
import { decodeReferences, MAX_CHARACTER_REFERENCES, type ReferenceBudget } from './xml-text';

/**
 * A parsed element, built by us from the parser's output: names without namespace prefixes
 * (the dialect ignores them), attributes in a prototype-less record, text with references
 * decoded and trimmed.
 */
export interface XmlElement {
  name: string;
  attributes: Readonly<Record<string, string>>;
  children: XmlElement[];
  text: string;
}

export interface ParsedDocument {
  root: XmlElement;
  encoding: XmlEncoding;
  /** The decoded document text (for masked storage). */
  text: string;
}

const CDATA = '#cdata';
const TEXT = '#text';
const ATTRS = ':@';
const ATTR_PREFIX = '@_';

// Hardened per ../shared/house-style.md: values stay strings, entities are not expanded by the
// parser (we decode the predefined ones ourselves), depth is capped a second time.
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: ATTR_PREFIX,
  removeNSPrefix: true,
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

type OrderedNode = Record<string, unknown>;

function toElement(name: string, node: OrderedNode, budget: ReferenceBudget): XmlElement {
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
  const rawAttrs = node[ATTRS];
  if (rawAttrs && typeof rawAttrs === 'object') {
    for (const [key, value] of Object.entries(rawAttrs as Record<string, unknown>)) {
      const attrName = stripPrefix(key.startsWith(ATTR_PREFIX) ? key.slice(ATTR_PREFIX.length) : key);
      if (attrName === 'xmlns' || typeof value !== 'string') continue;
      attributes[attrName] = decodeReferences(value, budget);
    }
  }
  const children: XmlElement[] = [];
  let text = '';
  const content = node[name];
  for (const child of Array.isArray(content) ? (content as OrderedNode[]) : []) {
    const key = Object.keys(child).find((k) => k !== ATTRS);
    if (key === undefined) continue;
    if (key === TEXT) text += decodeReferences(String(child[TEXT]), budget);
    else if (key === CDATA) {
      const parts = child[CDATA] as OrderedNode[];
      text += parts.map((p) => String(p[TEXT] ?? '')).join('');
    } else children.push(toElement(key, child, budget));
  }
  return { name: stripPrefix(name), attributes: Object.freeze(attributes), children, text: text.trim() };
}

/**
 * Bytes → element tree, refusing hostile input before the parser runs: declarations
 * (DOCTYPE/ENTITY), reserved names, nesting beyond the cap, invalid encoding, malformed or
 * truncated markup. Every refusal is an ImpbError the adapter maps to AS code 4001.
 */
export function parseXmlDocument(bytes: Buffer, contentType?: string): ParsedDocument {
  refuseDeclarations(bytes.toString('latin1'));
  const { text, encoding } = decodeDocument(bytes, contentType);
  refuseReservedNames(text);
  refuseDeepNesting(text);
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
  const rootNode = roots[0]!;
  const rootName = Object.keys(rootNode).find((k) => k !== ATTRS)!;
  try {
    return { root: toElement(rootName, rootNode, { remaining: MAX_CHARACTER_REFERENCES }), encoding, text };
  } catch (err) {
    if (isImpbError(err)) throw err;
    throw new ImpbError('IMPB_ERR_XML_MALFORMED', { cause: err });
  }
}
