export { ERROR_DEFINITIONS, type ErrorCode } from './error-codes';
export { ImpbError, isImpbError, toImpbError, type ImpbErrorOptions } from './impb-error';
export { WebexError, isWebexError, type WebexErrorFacts, type WebexErrorItem } from './webex-error';
