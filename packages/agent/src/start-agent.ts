/**
 * The FMLMS agent daemon: opens its state (nodes, tasks, models) in --state-dir,
 * serves I1 and I2 on one port, watches node heartbeats and starts queued tasks as nodes
 * free up. Its state survives a restart; nodes register again by themselves.
 */
import { join } from 'node:path';
import type { Logger } from '@fmls/core';
import { StateDb } from '@fmls/store';
import { addAgentService, startServer, type HostPort, type TlsCredentials } from '@fmls/wire';
import { createAgentHandlers } from './handlers';
import { NodeRegistry } from './node-registry';
import { TaskManager } from './task-manager';
import { WorkOrders } from './work-orders';

export interface AgentOptions {
  listen: HostPort;
  stateDir: string;
  logger: Logger;
  /** A node silent this long is lost; default 10 000 ms (5 heartbeats). */
  nodeTimeoutMs?: number;
  /** Default 2000 ms. */
  heartbeatIntervalMs?: number;
  /** This node's TLS identity: for I1/I2 and for the connections to task auditors. Default: plaintext. */
  tls?: TlsCredentials;
  /** Storage key (loadStorageKey from @fmls/store): state documents and model files are sealed with it. Default: plain. */
  storageKey?: Buffer;
}

export interface RunningAgent {
  address: string;
  stop(): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { logger } = options;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 10000;
  const db = StateDb.open(options.stateDir, 'agent state directory', { key: options.storageKey });
  const orders = new WorkOrders();
  // The registry reports node events to the manager, which is built on the registry.
  let manager: TaskManager | undefined;
  let registry: NodeRegistry;
  let tasks: TaskManager;
  try {
    // Reading the state back is where a wrong storage key or a tampered document shows.
    registry = new NodeRegistry(db, nodeTimeoutMs, logger, (event) => manager?.onNodeEvent(event));
    tasks = new TaskManager(db, registry, orders, logger, options.tls);
  } catch (err) {
    db.close();
    throw err;
  }
  manager = tasks;
  let server;
  try {
    server = await startServer(options.listen, (s) =>
      addAgentService(
        s,
        createAgentHandlers({ registry, manager: tasks, orders, logger, artifactDir: (id) => join(options.stateDir, 'tasks', id), heartbeatIntervalMs: options.heartbeatIntervalMs ?? 2000, storageKey: options.storageKey }),
      ),
      options.tls,
    );
  } catch (err) {
    db.close();
    throw err;
  }
  registry.startMonitor();
  // Scheduling also runs on every event; the tick is a backstop (and refreshes waitingFor).
  const tick = setInterval(() => tasks.schedule(), 1000);
  tick.unref();
  // Running tasks from before a restart survive only if their coordinator comes back.
  const reclaim = setTimeout(() => tasks.failUnclaimed('the agent restarted and the coordinator did not come back within the grace period'), nodeTimeoutMs * 3);
  reclaim.unref();
  const running = [...tasks.tasks.values()].filter((t) => t.state === 'running').length;
  logger.info({ address: server.address, stateDir: options.stateDir, nodes: registry.all().length, tasks: tasks.tasks.size, running }, 'listening');
  const bound = server;
  return {
    address: bound.address,
    async stop() {
      clearInterval(tick);
      clearTimeout(reclaim);
      registry.stopMonitor();
      await bound.shutdown(2000);
      await tasks.close();
      db.close();
    },
  };
}
