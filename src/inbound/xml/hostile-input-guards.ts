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

const RESERVED_NAME = /<\/?\s*(?:[A-Za-z_][\w.-]*:)?(__proto__|constructor|prototype)(?=[\s/>])|\s(?:[A-Za-z_][\w.-]*:)?(__proto__|constructor|prototype)\s*=/;

/** Element or attribute names that would shadow object internals are refused, not renamed. */
export function refuseReservedNames(text: string): void {
  const match = RESERVED_NAME.exec(text);
  if (match) throw new ImpbError('IMPB_ERR_XML_RESERVED_NAME', { details: { name: match[1] ?? match[2] } });
}

/**
 * Measures element nesting in one linear pass (comments, CDATA, processing instructions and
 * quoted attribute values skipped) and stops at the cap, before a recursive parser could
 * exhaust the stack on 10,000 nested elements.
 */
export function refuseDeepNesting(text: string, maxDepth = MAX_XML_DEPTH): void {
  let depth = 0;
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
      depth--;
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
    if (text[j - 1] !== '/') {
      depth++;
      if (depth > maxDepth) throw new ImpbError('IMPB_ERR_XML_TOO_DEEP', { details: { maxDepth } });
    }
    i = j + 1;
  }
}
