import { ImpbError } from '../../errors';

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Per document: more references than this is not a BroadWorks document but an attack. */
export const MAX_CHARACTER_REFERENCES = 4096;

export interface ReferenceBudget {
  remaining: number;
}

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * Decodes the five predefined entities and numeric character references — the only
 * references a document without a DOCTYPE may contain. Anything else (`&foo;`) would need a
 * declaration we refuse, so it is malformed.
 */
export function decodeReferences(text: string, budget: ReferenceBudget): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&<\s]{0,12});?/g, (whole, name: string) => {
    if (--budget.remaining < 0) {
      throw new ImpbError('IMPB_ERR_XML_ENTITY', { message: `more than ${MAX_CHARACTER_REFERENCES} character references` });
    }
    if (!whole.endsWith(';')) throw new ImpbError('IMPB_ERR_XML_MALFORMED', { message: "'&' not followed by a reference" });
    const predefined = PREDEFINED[name];
    if (predefined !== undefined) return predefined;
    const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (numeric) {
      const cp = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2], 10);
      if (!isXmlChar(cp)) throw new ImpbError('IMPB_ERR_XML_MALFORMED', { message: `character reference &${name}; is not an XML character` });
      return String.fromCodePoint(cp);
    }
    throw new ImpbError('IMPB_ERR_XML_ENTITY', { message: 'undeclared entity reference' });
  });
}

/** Escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}
