import type { WebexProvisioningApi } from '../../pipeline/webex-port';
import type { Store } from '../../store';
import type { TemplateService } from '../../templates/template-service';
import type { JobActions } from '../../operations/job-actions';
import type { SupportDeps } from '../../operations/support-report';

export interface AdminApiDeps {
  store: Store;
  templates: TemplateService;
  jobs: JobActions;
  /** The Webex client, when the Webex part is wired (precheck, reconcile). */
  webex: () => WebexProvisioningApi | undefined;
  wake: () => void;
  version: string;
  partnerOrgId: SupportDeps['partnerOrgId'];
}
