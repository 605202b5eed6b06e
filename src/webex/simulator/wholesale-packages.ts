import { invalidField } from './sim-support';

// The package names the Wholesale APIs accept, shared by the customer and subscriber routes.

export const CUSTOMER_PACKAGES = [
  'common_area_calling',
  'webex_calling',
  'webex_meetings',
  'webex_suite',
  'webex_voice',
  'cx_essentials',
  'webex_calling_standard',
  'cisco_calling_plan',
  'attendant_console',
  'cx_premium_agent',
  'cx_standard_agent',
  'cx_voice_ports',
  'cx_ai_assistant',
  'webex_ai_agent',
];
export const SUBSCRIBER_PACKAGES = [
  'webex_calling',
  'webex_meetings',
  'webex_suite',
  'webex_voice',
  'cx_essentials',
  'webex_calling_standard',
  'attendant_console',
  'cx_premium_agent',
  'cx_standard_agent',
];
/** Packages that need a primary phone number and/or an extension (spec: "calling-enabled package"). */
export const CALLING_PACKAGES = new Set(['webex_calling', 'webex_suite', 'webex_voice', 'cx_essentials', 'webex_calling_standard']);

export function checkPackages(value: unknown, allowed: string[], required: boolean, field = 'packages'): string[] {
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
