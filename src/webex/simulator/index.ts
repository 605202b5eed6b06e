export { startWebexSimulator } from './start-webex-simulator';
export type {
  SimulatorFaults,
  SimulatorOAuthOptions,
  SimulatorRequestLogEntry,
  SimulatorState,
  SimulatorStats,
  WebexSimulator,
  WebexSimulatorOptions,
} from './simulator-types';
