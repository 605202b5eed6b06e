import type { Config } from './config/schema';
import type { Logger, Registry } from './observability';
import type { Store } from './store';
import type { CertificatesWiring } from './certs/wire-certificates';
import type { InboundWiring } from './inbound/wire-inbound';
import type { PipelineWiring } from './pipeline/wire-pipeline';
import type { WebexWiring } from './webex/wire-webex';

/**
 * What the composition root hands each part. Parts are wired in order (certificates, Webex,
 * pipeline, inbound, admin); each wire function fills its own slot so later parts can use it.
 */
export interface Runtime {
  config: Config;
  logger: Logger;
  store: Store;
  metrics: Registry;
  version: string;
  certs?: CertificatesWiring;
  webex?: WebexWiring;
  pipeline?: PipelineWiring;
  inbound?: InboundWiring;
  /** Plain text for the person at the terminal (stderr under `npm start`), beside the structured log; absent in tests. */
  notice?: (text: string) => void;
  /** The configuration file that was read, when there was one (its `dialect` section is re-read while running). */
  configFile?: string;
  /** Base URL the AS uses, e.g. https://bridge.example.net:8443 (set once the listener is up). */
  provisioningBaseUrl?: string;
}

/** A part's clean-up, run in reverse wiring order at shutdown. */
export type Closer = () => Promise<void> | void;
