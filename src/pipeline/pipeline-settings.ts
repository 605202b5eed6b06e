/** The worker's tuning, from `pipeline.*` of the config (own file: job runs and customer onboarding both read it). */
export interface PipelineSettings {
  concurrency: number;
  ratePerSecond: number;
  attemptHorizonMs: number;
  pollInitialMs: number;
  pollMaxMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  idlePollMs: number;
  /** A running job's lease: renewed every third of it; an instance that dies loses its jobs after it. */
  leaseMs: number;
}
