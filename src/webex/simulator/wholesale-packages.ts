import { invalidField } from './sim-support';

// The package names the Wholesale APIs accept are the domain's lists (WHOLESALE_CUSTOMER_PACKAGES,
// WHOLESALE_SUBSCRIBER_PACKAGES), the same ones the templates accept.

/** Packages that need a primary phone number and/or an extension (spec: "calling-enabled package"). */
export const CALLING_PACKAGES = new Set(['webex_calling', 'webex_suite', 'webex_voice', 'cx_essentials', 'webex_calling_standard']);

export function checkPackages(value: unknown, allowed: readonly string[], required: boolean, field = 'packages'): string[] {
  if (value === undefined) {
    if (required) throw invalidField(field);
    return [];
  }
  if (!Array.isArray(value) || value.length === 0) throw invalidField(field, 'must be a non-empty list');
  for (const pkg of value) {
    if (typeof pkg !== 'string' || !allowed.includes(pkg)) throw invalidField(field, `contains an unknown package ${JSON.stringify(pkg)}`);
  }
  return value as string[];
}
