export { ERROR_DEFINITIONS, type ErrorCode } from './error-codes';
export { ImpbError, isImpbError, toImpbError, type ImpbErrorOptions } from './impb-error';
