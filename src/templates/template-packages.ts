import { BROADWORKS_PACKAGES, WHOLESALE_SUBSCRIBER_PACKAGES, type TargetApi } from '../domain';

/**
 * Subscriber packages per target API. Webex for BroadWorks: Subscriber.package of
 * webex-broadworks.json; Wholesale: WholesalePackagesSubscriber of webex-wholesale.json (both
 * lists live in domain/template.ts, the Wholesale ones shared with the Webex simulator).
 */
export function packagesFor(targetApi: TargetApi): readonly string[] {
  return targetApi === 'wholesale' ? WHOLESALE_SUBSCRIBER_PACKAGES : BROADWORKS_PACKAGES;
}
