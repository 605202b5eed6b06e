import { ImpbError } from '../../errors';

/**
 * Byte-level checks that run before any parser sees the document, so that the parser's own
 * handling of DTDs, entities and deep trees (the source of its advisories) is never reached.
 */

/** A BroadsoftDocument is three levels deep; 32 leaves room for any variant seen in the field. */
export const MAX_XML_DEPTH = 32;

// Case-insensitive and with optional whitespace: "<!doctype" is not valid XML either, and
// refusing it costs nothing.
const DECLARATION = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;

/** DOCTYPE and ENTITY declarations are refused outright (billion laughs, XXE). */
export function refuseDeclarations(rawLatin1: string): void {
  const match = DECLARATION.exec(rawLatin1);
  if (match) {
    throw new ImpbError('IMPB_ERR_XML_DOCTYPE', { details: { declaration: match[1].toUpperCase() } });
  }
}

const RESERVED = '(?:[A-Za-z_][\\w.-]*:)?(__proto__|constructor|prototype)';
const RESERVED_TAG_NAME = new RegExp(`^\\s*${RESERVED}(?=[\\s/>]|$)`);
const RESERVED_ATTRIBUTE_NAME = new RegExp(`\\s${RESERVED}\\s*=`);

/** What the scanner learnt about one start tag without copying it. */
interface TagFacts {
  nameLength: number;
  attributes: number;
  longestAttributeName: number;
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * Calls `visit` with the inside of every start tag (`name attr="v"`, without `<` and `>`), in
 * one linear pass that skips comments, CDATA, processing instructions and quoted attribute
 * values; end tags go to `visitEnd`. Unterminated markup is refused as malformed. `inspect`
 * sees each start tag's measurements before it is copied, so an oversized tag is refused
 * without ever being sliced out.
 */
function walkTags(
  text: string,
  visit: (inside: string, selfClosing: boolean) => void,
  visitEnd: () => void = () => undefined,
  inspect?: (facts: TagFacts) => void,
): void {
  let i = 0;
  const n = text.length;
  const skipTo = (marker: string, from: number) => {
    const end = text.indexOf(marker, from);
    if (end < 0) throw new ImpbError('IMPB_ERR_XML_MALFORMED', { message: `unterminated markup (missing "${marker}")` });
    return end + marker.length;
  };
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    const next = text[lt + 1];
    if (next === '!') {
      i = text.startsWith('<!--', lt) ? skipTo('-->', lt + 4) : text.startsWith('<![CDATA[', lt) ? skipTo(']]>', lt + 9) : skipTo('>', lt + 2);
      continue;
    }
    if (next === '?') {
      i = skipTo('?>', lt + 2);
      continue;
    }
    if (next === '/') {
      visitEnd();
      i = skipTo('>', lt + 2);
      continue;
    }
    const facts: TagFacts = { nameLength: -1, attributes: 0, longestAttributeName: 0 };
    let wordStart = lt + 1;
    let j = lt + 1;
    let quote = '';
    for (; j < n; j++) {
      const c = text[j];
      if (quote) {
        if (c === quote) {
          quote = '';
          wordStart = j + 1;
        }
        continue;
      }
      if (c === '"' || c === "'") quote = c;
      else if (c === '>') break;
      else if (isSpace(c) || c === '/' || c === '=') {
        if (facts.nameLength < 0) facts.nameLength = j - lt - 1;
        else facts.longestAttributeName = Math.max(facts.longestAttributeName, j - wordStart);
        if (c === '=') facts.attributes++;
        wordStart = j + 1;
      }
      if (inspect && (j & 0xfff) === 0) {
        const running = j - wordStart;
        inspect(facts.nameLength < 0 ? { ...facts, nameLength: running } : { ...facts, longestAttributeName: Math.max(facts.longestAttributeName, running) });
      }
    }
    if (j >= n) throw new ImpbError('IMPB_ERR_XML_MALFORMED', { message: 'unterminated start tag' });
    if (facts.nameLength < 0) facts.nameLength = j - lt - 1;
    inspect?.(facts);
    visit(text.slice(lt + 1, j), text[j - 1] === '/');
    i = j + 1;
  }
}

export interface StructureLimits {
  /** Elements in the whole document. */
  maxElements: number;
  /** Characters in an element or attribute name (prefix included). */
  maxNameLength: number;
  /** Attributes (xmlns declarations included) on one element. */
  maxAttributes: number;
  maxDepth?: number;
}

/** A BroadWorks command has about 17 elements: 10,000 leaves room for the command cap. */
export const DEFAULT_STRUCTURE_LIMITS: StructureLimits = { maxElements: 10_000, maxNameLength: 256, maxAttributes: 32 };

const tooBig = (what: string, limit: number, key: string) =>
  new ImpbError('IMPB_ERR_XML_LIMIT', { message: `${what} (at most ${limit}; provisioning.${key})`, details: { limit } });

/**
 * One linear pass before the parser sees the document: reserved names, nesting depth, and the
 * size of the structure (elements, name lengths, attributes), since the parser's tree costs
 * tens of bytes of heap per element and a name is copied several times over.
 */
export function refuseHostileStructure(text: string, limits: StructureLimits = DEFAULT_STRUCTURE_LIMITS): void {
  const maxDepth = limits.maxDepth ?? MAX_XML_DEPTH;
  let depth = 0;
  let elements = 0;
  walkTags(
    text,
    (inside, selfClosing) => {
      checkReservedName(inside);
      if (++elements > limits.maxElements) throw tooBig('too many elements', limits.maxElements, 'maxXmlElements');
      if (selfClosing) return;
      depth++;
      if (depth > maxDepth) throw new ImpbError('IMPB_ERR_XML_TOO_DEEP', { details: { maxDepth } });
    },
    () => depth--,
    (facts) => {
      if (facts.nameLength > limits.maxNameLength || facts.longestAttributeName > limits.maxNameLength)
        throw tooBig('element or attribute name too long', limits.maxNameLength, 'maxXmlNameLength');
      if (facts.attributes > limits.maxAttributes) throw tooBig('too many attributes on one element', limits.maxAttributes, 'maxXmlAttributes');
    },
  );
}

function checkReservedName(inside: string): void {
  // Every reserved name contains one of these two words: most tags need no regex at all.
  if (!inside.includes('proto') && !inside.includes('constructor')) return;
  // Attribute values may hold anything, including "x constructor=": blank them first.
  const names = inside.replace(/"[^"]*"|'[^']*'/g, '""');
  const match = RESERVED_TAG_NAME.exec(names) ?? RESERVED_ATTRIBUTE_NAME.exec(names);
  if (match) throw new ImpbError('IMPB_ERR_XML_RESERVED_NAME', { details: { name: match[1] } });
}

/**
 * Element or attribute names that would shadow object internals are refused, not renamed.
 * Only names inside tags count: text such as `Al prototype = x` is a value, not a name.
 * (An end tag needs no check: its start tag was checked, or the document is malformed.)
 */
export function refuseReservedNames(text: string): void {
  walkTags(text, checkReservedName);
}

/**
 * Measures element nesting in one linear pass and stops at the cap, before a recursive parser
 * could exhaust the stack on 10,000 nested elements.
 */
export function refuseDeepNesting(text: string, maxDepth = MAX_XML_DEPTH): void {
  let depth = 0;
  walkTags(
    text,
    (_inside, selfClosing) => {
      if (selfClosing) return;
      depth++;
      if (depth > maxDepth) throw new ImpbError('IMPB_ERR_XML_TOO_DEEP', { details: { maxDepth } });
    },
    () => depth--,
  );
}
