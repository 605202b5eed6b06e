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
    throw new ImpbError('IMPB_ERR_XML_DOCTYPE', { details: { declaration: match[1]!.toUpperCase() } });
  }
}

const RESERVED = '(?:[A-Za-z_][\\w.-]*:)?(__proto__|constructor|prototype)';
const RESERVED_TAG_NAME = new RegExp(`^\\s*${RESERVED}(?=[\\s/>]|$)`);
const RESERVED_ATTRIBUTE_NAME = new RegExp(`\\s${RESERVED}\\s*=`);

/**
 * Calls `visit` with the inside of every start tag (`name attr="v"`, without `<` and `>`), in
 * one linear pass that skips comments, CDATA, processing instructions and quoted attribute
 * values; end tags go to `visitEnd`. Unterminated markup is refused as malformed.
 */
function walkTags(text: string, visit: (inside: string, selfClosing: boolean) => void, visitEnd: () => void = () => undefined): void {
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
    let j = lt + 1;
    let quote = '';
    for (; j < n; j++) {
      const c = text[j];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') break;
    }
    if (j >= n) throw new ImpbError('IMPB_ERR_XML_MALFORMED', { message: 'unterminated start tag' });
    visit(text.slice(lt + 1, j), text[j - 1] === '/');
    i = j + 1;
  }
}

/**
 * Element or attribute names that would shadow object internals are refused, not renamed.
 * Only names inside tags count: text such as `Al prototype = x` is a value, not a name.
 * (An end tag needs no check: its start tag was checked, or the document is malformed.)
 */
export function refuseReservedNames(text: string): void {
  walkTags(text, (inside) => {
    // Attribute values may hold anything, including "x constructor=": blank them first.
    const names = inside.replace(/"[^"]*"|'[^']*'/g, '""');
    const match = RESERVED_TAG_NAME.exec(names) ?? RESERVED_ATTRIBUTE_NAME.exec(names);
    if (match) throw new ImpbError('IMPB_ERR_XML_RESERVED_NAME', { details: { name: match[1] } });
  });
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
