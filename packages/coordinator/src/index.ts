export { startCoordinator, type CoordinatorOptions, type RunningCoordinator } from './coordinator';
export type { RoundMetrics } from './run-outputs';
