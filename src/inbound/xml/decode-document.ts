import { ImpbError } from '../../errors';
import { declaredEncoding, type XmlEncoding } from './declared-encoding';

export interface DecodedDocument {
  text: string;
  encoding: XmlEncoding;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Bytes → text in the declared encoding. Invalid UTF-8 is refused rather than replaced, so a
 * name is never stored with U+FFFD in it; ISO-8859-1 maps every byte, so only the XML
 * character rules (no C0 controls but tab, CR, LF) can refuse it.
 */
export function decodeDocument(bytes: Buffer, contentType?: string): DecodedDocument {
  const declared = declaredEncoding(bytes, contentType);
  if (!declared.encoding) {
    throw new ImpbError('IMPB_ERR_XML_ENCODING', { message: `unsupported encoding ${declared.declared ?? ''} (use UTF-8 or ISO-8859-1)`.trim() });
  }
  const body = bytes.subarray(declared.bomLength);
  let text: string;
  if (declared.encoding === 'UTF-8') {
    try {
      text = utf8.decode(body);
    } catch (err) {
      throw new ImpbError('IMPB_ERR_XML_ENCODING', { message: 'invalid bytes for the declared encoding UTF-8', cause: err });
    }
  } else {
    text = body.toString('latin1');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(text)) {
    throw new ImpbError('IMPB_ERR_XML_ENCODING', { message: `control characters are not allowed in XML (${declared.encoding})` });
  }
  return { text, encoding: declared.encoding };
}
