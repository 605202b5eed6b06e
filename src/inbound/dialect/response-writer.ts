import type { XmlEncoding } from '../xml/declared-encoding';
import { escapeXml } from '../xml/xml-text';
import type { AsErrorCode } from './as-error-codes';

export type CommandResponse =
  | { type: 'success' }
  | { type: 'error'; errorCode: AsErrorCode; summary: string; detail?: string }
  | { type: 'get'; fields: Array<[name: string, value: string | undefined]> };

export interface ResponseDocument {
  encoding: XmlEncoding;
  sessionId: string;
  commands: Array<{ echo: string; response: CommandResponse }>;
  /** From the dialect extensions (`answerVariant`); the documented form when absent. */
  variant?: 'documented' | 'no-namespace';
}

const NAMESPACE_ATTRS = 'protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const NO_NAMESPACE_ATTRS = 'protocol="OCI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

function commandXml(echo: string, response: CommandResponse, reset: string): string {
  const open = (type: string) => `  <command echo="${escapeXml(echo)}" xsi:type="c:${type}"${reset}`;
  if (response.type === 'success') return `${open('SuccessResponse')}/>\n`;
  const lines: string[] = [];
  if (response.type === 'error') {
    const summary = escapeXml(`[Error ${response.errorCode}] ${response.summary}`);
    lines.push(`    <errorCode>${response.errorCode}</errorCode>`, `    <summary>${summary}</summary>`, `    <summaryEnglish>${summary}</summaryEnglish>`);
    if (response.detail) lines.push(`    <detail>${escapeXml(response.detail)}</detail>`);
    return `${open('ErrorResponse')}>\n${lines.join('\n')}\n  </command>\n`;
  }
  for (const [name, value] of response.fields) if (value !== undefined) lines.push(`    <${name}>${escapeXml(value)}</${name}>`);
  return `${open('UserIntegratedIMPGetResponse')}>\n${lines.join('\n')}\n  </command>\n`;
}

/** Characters the target encoding cannot carry become numeric references. */
function encode(text: string, encoding: XmlEncoding): Buffer {
  if (encoding === 'UTF-8') return Buffer.from(text, 'utf8');
  // eslint-disable-next-line no-control-regex
  const safe = text.replace(/[^\u0000-\u00FF]/gu, (c) => `&#${c.codePointAt(0)};`);
  return Buffer.from(safe, 'latin1');
}

/**
 * The documented response document, byte for byte: prolog in the request's encoding, the
 * root with `xmlns="C"`, children resetting it with `xmlns=""`, one command per request
 * command in order.
 */
export function writeResponseDocument(doc: ResponseDocument): Buffer {
  const plain = doc.variant === 'no-namespace';
  const reset = plain ? '' : ' xmlns=""';
  const body =
    `<?xml version="1.0" encoding="${doc.encoding}"?>\n` +
    `<BroadsoftDocument ${plain ? NO_NAMESPACE_ATTRS : NAMESPACE_ATTRS}>\n` +
    `  <sessionId${reset}>${escapeXml(doc.sessionId)}</sessionId>\n` +
    doc.commands.map((c) => commandXml(c.echo, c.response, reset)).join('') +
    `</BroadsoftDocument>\n`;
  return encode(body, doc.encoding);
}

export function contentTypeFor(encoding: XmlEncoding): string {
  return `text/xml; charset=${encoding}`;
}
