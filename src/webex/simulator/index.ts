export { startWebexSimulator } from './start-webex-simulator';
export { SIMULATOR_PARTNER_ORG_UUID } from './people-routes';
export type {
  SimulatorFaults,
  SimulatorOAuthOptions,
  SimulatorRequestLogEntry,
  SimulatorState,
  SimulatorStats,
  WebexSimulator,
  WebexSimulatorOptions,
} from './simulator-types';
