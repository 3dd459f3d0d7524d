export { startAgent, type AgentOptions, type RunningAgent } from './start-agent';
export { place, submitProblem, dataOwnerProblem, standby, type NodeView, type Placement } from './admission';
export { byPriorityThenAge } from './queue-order';
