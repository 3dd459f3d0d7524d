/**
 * What the agent records per task (M-8.4, D-3) and `fmls task status --details` shows;
 * it travels as TaskStatus.details_json.
 */

/** One node's communication over a task: each round's download plus upload, timed by the node. */
export interface NodeCommunication {
  nodeId: string;
  /** Rounds measured. */
  rounds: number;
  /** Mean and variance of per-round communication time, seconds and seconds². */
  meanS: number;
  varianceS2: number;
  bytesSent: number;
  bytesReceived: number;
  /** Local training time spent on the task (resources spent). */
  trainSeconds: number;
}

/** One data owner's contribution: the basis of an incentive score. */
export interface NodeContribution {
  nodeId: string;
  /** Rounds whose aggregate included this node's update. */
  rounds: number;
  /** Samples this node trained on (per round). */
  samples: number;
  /** Mean over aggregated rounds of this node's share of the round's samples (its FedAvg weight). */
  weightShare: number;
  /** weightShare × rounds participated / rounds run: 0 (never helped) to 1 (the only contributor every round). */
  score: number;
}

export interface TaskHistoryEntry {
  /** ISO 8601. */
  time: string;
  /** e.g. submitted, started, topology-dropped, topology-admitted, finished, cancelled. */
  event: string;
  detail: string;
}

export interface TaskDetails {
  rounds: number;
  /** From start to finish (or now); null before the start. */
  durationS: number | null;
  /** Model bytes moved between data owners and the coordinator, both ways. */
  bytesMoved: number;
  communication: NodeCommunication[];
  contributions: NodeContribution[];
  history: TaskHistoryEntry[];
}
