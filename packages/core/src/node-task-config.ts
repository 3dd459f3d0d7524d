/**
 * What the agent tells each node about a task it serves (I2, M-8.4): its role, the task,
 * the topology, where the coordinator and auditor are, and the per-task credentials.
 * It crosses a process boundary as JSON, so the node validates it before acting on it.
 */
import { z } from 'zod';
import { parseTaskSpec, type TaskSpec } from './task-spec';
import { parseValidatedJson } from './validated-json';

export const NODE_ROLES = ['coordinator', 'data-owner', 'auditor'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

const name = z.string().min(1).max(200);

export const TopologyViewSchema = z.object({
  version: z.number().int().nonnegative(),
  shape: z.string(),
  nodes: z.array(z.object({ nodeId: name, role: z.enum(NODE_ROLES), address: z.string().max(300), state: z.enum(['active', 'dropped', 'lost']) })).max(100000),
  links: z.array(z.object({ from: name, to: name, kind: z.enum(['updates', 'audit']) })).max(200000),
});
/** The service topology: roles and links of every node of a task (M-8.4). */
export type TopologyView = z.infer<typeof TopologyViewSchema>;

const NodeTaskConfigSchema = z.object({
  taskId: name,
  role: z.enum(NODE_ROLES),
  spec: z.unknown(),
  topology: TopologyViewSchema,
  /** Data owners: the coordinator serving the task. */
  coordinator: z.string().max(300).optional(),
  /** Where to send audit events, if the task has an auditor. */
  auditor: z.string().max(300).optional(),
  /** Data owners: which offered dataset to train on. */
  dataset: name.optional(),
  /** Data owners: the credential to present to the coordinator. */
  credential: z.string().max(200).optional(),
  /** Coordinator: the admitted data owners and the SHA-256 (hex) of each one's credential. */
  admitted: z.array(z.object({ nodeId: name, credentialSha256: z.string().regex(/^[0-9a-f]{64}$/) })).max(100000).optional(),
});

export type NodeTaskConfig = Omit<z.infer<typeof NodeTaskConfigSchema>, 'spec'> & { spec: TaskSpec };

/** Parses and validates a work order's configuration. */
export function parseNodeTaskConfig(json: string): NodeTaskConfig {
  const config = parseValidatedJson(NodeTaskConfigSchema, json, 'task configuration from the agent', 'run the same fmls version on the agent and the nodes');
  return { ...config, spec: parseTaskSpec(config.spec, `task ${config.taskId} from the agent`) };
}
