/**
 * The one table of imp-bridge errors. Callers branch on `code`, never on message text.
 * `status` is the HTTP status an error maps to when it reaches an HTTP edge;
 * `retryable` says whether trying the same thing later can succeed.
 */
export const ERROR_DEFINITIONS = {
  // configuration and start-up
  IMPB_ERR_CONFIG_INVALID: { status: 500, retryable: false, message: 'configuration is invalid' },
  IMPB_ERR_STARTUP: { status: 500, retryable: false, message: 'start-up failed' },

  // inbound (BroadWorks side)
  IMPB_ERR_XML_DOCTYPE: { status: 200, retryable: false, message: 'DOCTYPE or ENTITY declarations are refused' },
  IMPB_ERR_XML_MALFORMED: { status: 200, retryable: false, message: 'malformed XML' },
  IMPB_ERR_XML_ENCODING: { status: 200, retryable: false, message: 'invalid bytes for the declared encoding' },
  IMPB_ERR_XML_TOO_DEEP: { status: 200, retryable: false, message: 'XML nesting too deep' },
  IMPB_ERR_XML_ENTITY: { status: 200, retryable: false, message: 'undeclared entity or too many character references' },
  IMPB_ERR_XML_RESERVED_NAME: { status: 200, retryable: false, message: 'element or attribute name not allowed' },
  IMPB_ERR_XML_LIMIT: { status: 200, retryable: false, message: 'XML document beyond the structure limits' },
  IMPB_ERR_XML_TYPE: { status: 200, retryable: false, message: 'command without exactly one xsi:type' },
  IMPB_ERR_TOO_MANY_COMMANDS: { status: 200, retryable: false, message: 'too many commands in one document' },
  IMPB_ERR_PARSER_BUSY: { status: 200, retryable: true, message: 'too many large documents being read at once' },
  IMPB_ERR_NOT_BROADSOFT_DOCUMENT: { status: 200, retryable: false, message: 'not a BroadsoftDocument' },
  IMPB_ERR_UNKNOWN_COMMAND: { status: 200, retryable: false, message: 'unknown command type' },
  IMPB_ERR_FIELD_INVALID: { status: 200, retryable: false, message: 'missing or invalid mandatory field' },
  IMPB_ERR_TEMPLATE_UNKNOWN: { status: 404, retryable: false, message: 'template disabled or unknown' },
  IMPB_ERR_USER_OTHER_TEMPLATE: { status: 200, retryable: false, message: 'user belongs to another template' },
  IMPB_ERR_BODY_TOO_LARGE: { status: 413, retryable: false, message: 'request body too large' },
  IMPB_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, message: 'content type is not XML' },
  IMPB_ERR_UNAUTHENTICATED: { status: 401, retryable: false, message: 'authentication failed' },
  IMPB_ERR_CLIENT_CERT_REFUSED: { status: 403, retryable: false, message: 'client certificate not accepted for this template' },
  IMPB_ERR_TOO_MANY_AUTH_FAILURES: { status: 429, retryable: true, message: 'too many authentication failures' },
  IMPB_ERR_PERSISTENCE: { status: 200, retryable: true, message: 'cannot persist the request right now' },

  // relay and shadow modes (the upstream provisioning URL)
  IMPB_ERR_UPSTREAM_UNREACHABLE: { status: 502, retryable: true, message: 'the upstream provisioning URL did not answer' },
  IMPB_ERR_UPSTREAM_TIMEOUT: { status: 502, retryable: true, message: 'the upstream provisioning URL did not answer in time' },
  IMPB_ERR_UPSTREAM_TLS: { status: 502, retryable: false, message: 'the upstream certificate was not accepted' },
  IMPB_ERR_UPSTREAM_BUSY: { status: 502, retryable: true, message: 'the upstream provisioning URL answered 5xx or 429' },
  IMPB_ERR_UPSTREAM_REFUSED: { status: 502, retryable: false, message: 'the upstream provisioning URL refused the request' },

  // store
  IMPB_ERR_STORE_UNAVAILABLE: { status: 503, retryable: true, message: 'store unavailable' },
  IMPB_ERR_STORE_CONFLICT: { status: 409, retryable: false, message: 'conflicting change' },
  IMPB_ERR_STORE_LEASE_LOST: { status: 409, retryable: false, message: 'the job lease expired and another worker took it over' },

  // Webex side
  IMPB_ERR_WEBEX_RATE_LIMITED: { status: 503, retryable: true, message: 'Webex rate limit reached' },
  IMPB_ERR_WEBEX_UNAVAILABLE: { status: 503, retryable: true, message: 'Webex temporarily unavailable' },
  IMPB_ERR_WEBEX_TIMEOUT: { status: 504, retryable: true, message: 'Webex call timed out' },
  IMPB_ERR_WEBEX_CONNECTION: { status: 502, retryable: true, message: 'connection to Webex failed' },
  IMPB_ERR_WEBEX_REJECTED: { status: 502, retryable: false, message: 'Webex rejected the request' },
  IMPB_ERR_WEBEX_NOT_FOUND: { status: 404, retryable: false, message: 'Webex resource not found' },
  IMPB_ERR_WEBEX_CONFLICT: { status: 409, retryable: false, message: 'Webex reported a conflict' },
  IMPB_ERR_WEBEX_UNAUTHORIZED: { status: 502, retryable: false, message: 'Webex refused the access token' },
  IMPB_ERR_WEBEX_FORBIDDEN: { status: 502, retryable: false, message: 'Webex forbids this operation' },
  IMPB_ERR_WEBEX_TOKEN_REFRESH: { status: 502, retryable: true, message: 'Webex token refresh failed' },
  IMPB_ERR_WEBEX_BAD_RESPONSE: { status: 502, retryable: true, message: 'Webex answered with an unreadable response' },
  IMPB_ERR_WEBEX_PROVISIONING_FAILED: { status: 502, retryable: false, message: 'Webex reported a provisioning error' },
  IMPB_ERR_PIPELINE_TEMPLATE_INCOMPLETE: { status: 500, retryable: false, message: 'the template lacks data this job needs' },
  IMPB_ERR_PIPELINE_HORIZON: { status: 504, retryable: false, message: 'gave up: the attempt horizon passed' },
  IMPB_ERR_WEBEX_REQUEST_INVALID: { status: 400, retryable: false, message: 'the Webex request would break the API contract' },

  // certificates
  IMPB_ERR_CERT_INVALID: { status: 400, retryable: false, message: 'certificate is invalid' },
  IMPB_ERR_CERT_KEY_MISMATCH: { status: 400, retryable: false, message: 'certificate does not match the key' },
  IMPB_ERR_CERT_EXPIRED: { status: 400, retryable: false, message: 'certificate expired or not yet valid' },
  IMPB_ERR_CERT_HOSTNAME: { status: 400, retryable: false, message: 'certificate does not cover the configured host names' },
  IMPB_ERR_CERT_CHAIN: { status: 400, retryable: false, message: 'certificate chain does not link up' },
  IMPB_ERR_CERT_NOT_CA: { status: 400, retryable: false, message: 'certificate is not a CA' },
  IMPB_ERR_CERT_DUPLICATE: { status: 409, retryable: false, message: 'certificate already trusted' },
  IMPB_ERR_CERT_NOT_FOUND: { status: 404, retryable: false, message: 'certificate not found' },
  IMPB_ERR_CERT_KEY_TYPE: { status: 400, retryable: false, message: 'unsupported key type' },
  IMPB_ERR_CRL_INVALID: { status: 400, retryable: false, message: 'CRL is invalid' },
  IMPB_ERR_CERT_LAST_ANCHOR: { status: 409, retryable: false, message: 'refusing to remove the last trusted certificate' },

  // admin
  IMPB_ERR_ADMIN_UNAUTHORIZED: { status: 401, retryable: false, message: 'admin token missing or wrong' },
  IMPB_ERR_ADMIN_FORBIDDEN: { status: 403, retryable: false, message: 'console session without a valid CSRF token' },
  IMPB_ERR_VALIDATION: { status: 400, retryable: false, message: 'invalid input' },
  IMPB_ERR_NOT_FOUND: { status: 404, retryable: false, message: 'not found' },
  IMPB_ERR_CONFLICT: { status: 409, retryable: false, message: 'conflict' },
  IMPB_ERR_IN_USE: { status: 409, retryable: false, message: 'still in use' },
  IMPB_ERR_ADMIN_UNREACHABLE: { status: 503, retryable: true, message: 'admin API of the running proxy is unreachable' },
  // cli
  IMPB_ERR_SEND_CONNECTION: { status: 502, retryable: true, message: 'imp-bridge send could not reach the provisioning URL' },

  IMPB_ERR_INTERNAL: { status: 500, retryable: false, message: 'internal error' },
} as const satisfies Record<string, { status: number; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERROR_DEFINITIONS;
