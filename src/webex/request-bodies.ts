import type {
  BroadworksPrecheck,
  BroadworksSubscriberCreate,
  BroadworksSubscriberUpdate,
  WholesaleAddress,
  WholesaleCustomerCreate,
  WholesalePrecheck,
  WholesaleSubscriberCreate,
  WholesaleSubscriberUpdate,
} from '../pipeline/webex-port';

/**
 * Request bodies are built field by field from the spec's property lists (webex-broadworks.json,
 * webex-wholesale.json), so that nothing a caller adds by accident is ever sent, and undefined
 * values are dropped. The contract tests validate every builder against the official schemas.
 */

/** A rule the spec states in prose (package/packages, required nested fields) was broken. */
export class RequestContractError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestContractError';
  }
}

type Json = Record<string, unknown>;

function pick<T extends object>(source: T | undefined, keys: ReadonlyArray<keyof T & string>, options: { dropEmpty?: boolean } = {}): Json {
  const out: Json = {};
  if (!source) return out;
  for (const key of keys) {
    const value = source[key];
    if (value === undefined || value === null) continue;
    if (options.dropEmpty && value === '') continue;
    out[key] = value;
  }
  return out;
}

function nonEmpty(obj: Json): Json | undefined {
  return Object.keys(obj).length > 0 ? obj : undefined;
}

function assign(target: Json, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

// ---------- Webex for BroadWorks ----------

const BW_CREATE_KEYS = [
  'provisioningId',
  'userId',
  'spEnterpriseId',
  'firstName',
  'lastName',
  'package',
  'primaryPhoneNumber',
  'mobilePhoneNumber',
  'extension',
  'email',
  'language',
  'timezone',
] as const;
const BW_UPDATE_KEYS = ['userId', 'firstName', 'lastName', 'primaryPhoneNumber', 'mobilePhoneNumber', 'extension', 'timezone', 'package'] as const;

/** POST /broadworks/subscribers. Empty optional strings are dropped: on create they mean "none". */
export function broadworksCreateBody(input: BroadworksSubscriberCreate): Json {
  return pick(input, BW_CREATE_KEYS, { dropEmpty: true });
}

/**
 * PUT /broadworks/subscribers/{id}. The spec gives '' a meaning on update (primaryPhoneNumber,
 * mobilePhoneNumber, extension: remove the configured value), so '' is kept for those three and
 * dropped for the others, where it would be a validation error.
 */
export function broadworksUpdateBody(input: BroadworksSubscriberUpdate): Json {
  const out = pick(input, BW_UPDATE_KEYS);
  for (const key of ['userId', 'firstName', 'lastName', 'timezone', 'package'] as const) {
    if (out[key] === '') delete out[key];
  }
  if (out.primaryPhoneNumber === '' && out.extension === '') {
    throw new RequestContractError('primaryPhoneNumber', 'primaryPhoneNumber and extension cannot both be removed: the subscriber must keep one of them');
  }
  return out;
}

export function broadworksPrecheckBody(input: BroadworksPrecheck): Json {
  const out = pick(input, [...BW_CREATE_KEYS], { dropEmpty: true });
  if (!input.email) throw new RequestContractError('email', 'email is required for a precheck');
  assign(out, 'customerInfo', input.customerInfo ? nonEmpty(pick(input.customerInfo, ['primaryEmail'])) : undefined);
  return out;
}

// ---------- Webex Wholesale ----------

const ADDRESS_KEYS = ['addressLine1', 'addressLine2', 'city', 'stateOrProvince', 'zipOrPostalCode', 'country'] as const;

function addressBody(address: WholesaleAddress | undefined, field: string): Json | undefined {
  if (!address) return undefined;
  const out = pick(address, ADDRESS_KEYS, { dropEmpty: true });
  for (const key of ['addressLine1', 'city', 'country'] as const) {
    if (!out[key]) throw new RequestContractError(`${field}.${key}`, `${field}.${key} is required`);
  }
  return out;
}

type CustomerProvisioningParameters = WholesaleCustomerCreate['provisioningParameters'];

/**
 * Webex requires name, address, timezone and language on a calling location. The customer's
 * own address is the natural location address when none is given; the rest must come from the
 * template, so a missing value is refused here rather than sent to fail at Webex.
 */
function customerProvisioningParametersBody(params: CustomerProvisioningParameters, customerAddress: WholesaleAddress | undefined): Json | undefined {
  if (!params) return undefined;
  const out: Json = {};
  const location = params.calling?.location;
  if (params.calling) {
    if (!location) throw new RequestContractError('provisioningParameters.calling.location', 'provisioningParameters.calling.location is required');
    const loc = pick(location, ['name', 'timezone', 'language', 'emergencyLocationIdentifier'], { dropEmpty: true });
    assign(loc, 'address', addressBody(location.address ?? customerAddress, 'provisioningParameters.calling.location.address'));
    for (const key of ['name', 'address', 'timezone', 'language']) {
      if (loc[key] === undefined)
        throw new RequestContractError(`provisioningParameters.calling.location.${key}`, `provisioningParameters.calling.location.${key} is required`);
    }
    out.calling = { location: loc };
  }
  if (params.meetings) assign(out, 'meetings', pick(params.meetings, ['timezone'], { dropEmpty: true }));
  return nonEmpty(out);
}

function packagesBody(packages: string[] | undefined, field = 'packages'): string[] {
  if (!packages || packages.length === 0) throw new RequestContractError(field, `${field} must name at least one package`);
  return [...packages];
}

export function wholesaleCustomerCreateBody(input: WholesaleCustomerCreate): Json {
  const out: Json = pick(input, ['provisioningId', 'orgId', 'externalId'], { dropEmpty: true });
  out.packages = packagesBody(input.packages);
  assign(out, 'address', addressBody(input.address, 'address'));
  if (input.customerInfo) {
    const info = pick(input.customerInfo, ['name', 'primaryEmail', 'language'], { dropEmpty: true });
    if (!info.name || !info.primaryEmail) throw new RequestContractError('customerInfo', 'customerInfo needs both name and primaryEmail');
    out.customerInfo = info;
  }
  assign(out, 'provisioningParameters', customerProvisioningParametersBody(input.provisioningParameters, input.address));
  return out;
}

/** PUT /wholesale/customers/{id}: only externalId, packages, address, provisioningParameters are allowed. */
export function wholesaleCustomerUpdateBody(input: Partial<WholesaleCustomerCreate> & { packages: string[] }): Json {
  const out: Json = pick(input, ['externalId'], { dropEmpty: true });
  out.packages = packagesBody(input.packages);
  assign(out, 'address', addressBody(input.address, 'address'));
  assign(out, 'provisioningParameters', customerProvisioningParametersBody(input.provisioningParameters, input.address));
  return out;
}

/** "Either `packages` or `package` field is required but not both" (spec, Provision a Wholesale Subscriber). */
function packageChoice(input: { package?: string; packages?: string[] }, required: boolean): Json {
  const hasPackage = input.package !== undefined && input.package !== '';
  const hasPackages = input.packages !== undefined;
  if (hasPackage && hasPackages) throw new RequestContractError('packages', 'send either package or packages, not both');
  if (hasPackages) {
    const packages = packagesBody(input.packages);
    // The spec: "Currently accepts only one package in the list."
    if (packages.length > 1) throw new RequestContractError('packages', `a Wholesale subscriber takes exactly one package (got ${packages.join(', ')})`);
    return { packages };
  }
  if (hasPackage) return { package: input.package };
  if (required) throw new RequestContractError('packages', 'packages (or the deprecated package) is required');
  return {};
}

const WS_SUB_PARAMS_KEYS = ['firstName', 'lastName', 'primaryPhoneNumber', 'extension', 'locationId'] as const;

export function wholesaleSubscriberCreateBody(input: WholesaleSubscriberCreate): Json {
  const out: Json = pick(input, ['customerId', 'email'], { dropEmpty: true });
  Object.assign(out, packageChoice(input, true));
  out.provisioningParameters = pick(input.provisioningParameters, WS_SUB_PARAMS_KEYS, { dropEmpty: true });
  return out;
}

export function wholesaleSubscriberUpdateBody(input: WholesaleSubscriberUpdate): Json {
  const out: Json = { ...packageChoice(input, false) };
  assign(
    out,
    'provisioningParameters',
    input.provisioningParameters
      ? nonEmpty(pick(input.provisioningParameters, ['primaryPhoneNumber', 'extension', 'locationId'], { dropEmpty: true }))
      : undefined,
  );
  return out;
}

export function wholesalePrecheckBody(input: WholesalePrecheck): Json {
  if (!input.email) throw new RequestContractError('email', 'email is required for a precheck');
  const out: Json = pick(input, ['provisioningId', 'customerId', 'email'], { dropEmpty: true });
  Object.assign(out, packageChoice(input, false));
  assign(
    out,
    'provisioningParameters',
    input.provisioningParameters ? nonEmpty(pick(input.provisioningParameters, WS_SUB_PARAMS_KEYS, { dropEmpty: true })) : undefined,
  );
  assign(out, 'customerInfo', input.customerInfo ? nonEmpty(pick(input.customerInfo, ['primaryEmail'])) : undefined);
  return out;
}
