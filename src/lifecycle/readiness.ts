/**
 * One condition `/readyz` waits for. Declared here, not in admin, because the parts that own a
 * condition (certificates, Webex) must not import the admin listener that reports it.
 */
export interface ReadinessCheck {
  name: string;
  /** Returns true when ready, or a reason why not. */
  check: () => true | string | Promise<true | string>;
}
