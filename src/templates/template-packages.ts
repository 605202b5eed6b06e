import { BROADWORKS_PACKAGES, type TargetApi } from '../domain';

/**
 * Subscriber packages per target API. Webex for BroadWorks: Subscriber.package of
 * webex-broadworks.json; Wholesale: WholesalePackagesSubscriber of webex-wholesale.json
 * (test/admin/template-rules.test.ts checks both lists against the official files).
 */
export const WHOLESALE_SUBSCRIBER_PACKAGES = [
  'webex_calling',
  'webex_meetings',
  'webex_suite',
  'webex_voice',
  'cx_essentials',
  'webex_calling_standard',
  'attendant_console',
  'cx_premium_agent',
  'cx_standard_agent',
] as const;

/** WholesalePackagesCustomer: what a Wholesale customer may be onboarded with. */
export const WHOLESALE_CUSTOMER_PACKAGES = [
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
] as const;

export function packagesFor(targetApi: TargetApi): readonly string[] {
  return targetApi === 'wholesale' ? WHOLESALE_SUBSCRIBER_PACKAGES : BROADWORKS_PACKAGES;
}
