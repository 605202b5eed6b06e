import type { ErrorCode } from '../../errors';

/**
 * The AS-dialect error codes (../shared/protocol/README.md, "Error codes") as a mapping from
 * imp-bridge's own codes. Only the inbound adapter knows these numbers.
 */
export type AsErrorCode = 4001 | 4002 | 4003 | 4004 | 4005 | 5001;

const MAPPING: Partial<Record<ErrorCode, AsErrorCode>> = {
  IMPB_ERR_XML_DOCTYPE: 4001,
  IMPB_ERR_XML_MALFORMED: 4001,
  IMPB_ERR_XML_ENCODING: 4001,
  IMPB_ERR_XML_TOO_DEEP: 4001,
  IMPB_ERR_XML_ENTITY: 4001,
  IMPB_ERR_XML_RESERVED_NAME: 4001,
  IMPB_ERR_NOT_BROADSOFT_DOCUMENT: 4001,
  IMPB_ERR_XML_LIMIT: 4001,
  IMPB_ERR_XML_TYPE: 4001,
  IMPB_ERR_TOO_MANY_COMMANDS: 4001,
  IMPB_ERR_PARSER_BUSY: 5001,
  IMPB_ERR_UNKNOWN_COMMAND: 4002,
  IMPB_ERR_FIELD_INVALID: 4003,
  IMPB_ERR_TEMPLATE_UNKNOWN: 4004,
  IMPB_ERR_USER_OTHER_TEMPLATE: 4005,
  IMPB_ERR_PERSISTENCE: 5001,
  IMPB_ERR_STORE_UNAVAILABLE: 5001,
};

/** Anything unexpected is our failure: 5001 makes the AS retry instead of giving up. */
export function asErrorCodeFor(code: ErrorCode): AsErrorCode {
  return MAPPING[code] ?? 5001;
}

const HEADLINES: Record<AsErrorCode, string> = {
  4001: 'Malformed request',
  4002: 'Unknown command type',
  4003: 'Invalid command',
  4004: 'Template disabled or unknown',
  4005: 'User belongs to another template',
  5001: 'Cannot persist the request right now, retry later',
};

export function asHeadline(code: AsErrorCode): string {
  return HEADLINES[code];
}
