/**
 * The Agent service on both sides of the wire: I1 for service clients, I2 for role
 * daemons. The servicer only decodes, maps errors to status codes and streams files;
 * the agent package supplies the logic.
 */
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ValidationError } from '@fmls/core';
import type { Ack, Ack__Output } from './generated/fmls/v1/Ack';
import type { AgentClient } from './generated/fmls/v1/Agent';
import type { AwaitWorkRequest, AwaitWorkRequest__Output } from './generated/fmls/v1/AwaitWorkRequest';
import type { FileHeader } from './generated/fmls/v1/FileHeader';
import type { FilePart__Output } from './generated/fmls/v1/FilePart';
import type { ListNodesRequest__Output } from './generated/fmls/v1/ListNodesRequest';
import type { ListTasksRequest__Output } from './generated/fmls/v1/ListTasksRequest';
import type { NodeHeartbeatReply, NodeHeartbeatReply__Output } from './generated/fmls/v1/NodeHeartbeatReply';
import type { NodeHeartbeatRequest, NodeHeartbeatRequest__Output } from './generated/fmls/v1/NodeHeartbeatRequest';
import type { NodeInfo, NodeInfo__Output } from './generated/fmls/v1/NodeInfo';
import type { NodeList, NodeList__Output } from './generated/fmls/v1/NodeList';
import type { RegisterReply, RegisterReply__Output } from './generated/fmls/v1/RegisterReply';
import type { RegisterRequest, RegisterRequest__Output } from './generated/fmls/v1/RegisterRequest';
import type { SetNodeAttributesRequest, SetNodeAttributesRequest__Output } from './generated/fmls/v1/SetNodeAttributesRequest';
import type { SubmitTaskReply, SubmitTaskReply__Output } from './generated/fmls/v1/SubmitTaskReply';
import type { SubmitTaskRequest, SubmitTaskRequest__Output } from './generated/fmls/v1/SubmitTaskRequest';
import type { TaskList, TaskList__Output } from './generated/fmls/v1/TaskList';
import type { TaskRef, TaskRef__Output } from './generated/fmls/v1/TaskRef';
import type { TaskReport, TaskReport__Output } from './generated/fmls/v1/TaskReport';
import type { TaskStatus, TaskStatus__Output } from './generated/fmls/v1/TaskStatus';
import type { Topology, Topology__Output } from './generated/fmls/v1/Topology';
import type { WorkOrder, WorkOrder__Output } from './generated/fmls/v1/WorkOrder';
import { fileParts, receiveFiles, type FileSource } from './file-transfer';
import { loadContract } from './proto';
import { serveUnary } from './servicer';
import { toServiceError } from './status-errors';
import type { CallFailures } from './call-failures';
import { openClient, unaryCall } from './client-channel';
import type { TlsCredentials } from './tls';

export interface AgentHandlers {
  submitTask(req: SubmitTaskRequest__Output): Promise<SubmitTaskReply> | SubmitTaskReply;
  listTasks(req: ListTasksRequest__Output): TaskList;
  getTaskStatus(req: TaskRef__Output): TaskStatus;
  cancelTask(req: TaskRef__Output): Promise<TaskStatus> | TaskStatus;
  /** The files to stream back (model artifacts of a finished task): paths, or bytes when they are decrypted from storage. */
  fetchModel(req: TaskRef__Output): FileSource[];
  listNodes(req: ListNodesRequest__Output): NodeList;
  setNodeAttributes(req: SetNodeAttributesRequest__Output): NodeInfo;
  getTopology(req: TaskRef__Output): Topology;
  register(req: RegisterRequest__Output): RegisterReply;
  nodeHeartbeat(req: NodeHeartbeatRequest__Output): NodeHeartbeatReply;
  /** `cancelled` aborts when the caller goes away. */
  awaitWork(req: AwaitWorkRequest__Output, cancelled: AbortSignal): Promise<WorkOrder>;
  reportTask(req: TaskReport__Output): Ack;
  uploadArtifacts(parts: AsyncIterable<FilePart__Output>): Promise<Ack>;
}

export function addAgentService(server: grpc.Server, h: AgentHandlers): void {
  const impl: grpc.UntypedServiceImplementation = {
    SubmitTask: serveUnary((req: SubmitTaskRequest__Output) => h.submitTask(req)),
    ListTasks: serveUnary((req: ListTasksRequest__Output) => h.listTasks(req)),
    GetTaskStatus: serveUnary((req: TaskRef__Output) => h.getTaskStatus(req)),
    CancelTask: serveUnary((req: TaskRef__Output) => h.cancelTask(req)),
    ListNodes: serveUnary((req: ListNodesRequest__Output) => h.listNodes(req)),
    SetNodeAttributes: serveUnary((req: SetNodeAttributesRequest__Output) => h.setNodeAttributes(req)),
    GetTopology: serveUnary((req: TaskRef__Output) => h.getTopology(req)),
    Register: serveUnary((req: RegisterRequest__Output) => h.register(req)),
    NodeHeartbeat: serveUnary((req: NodeHeartbeatRequest__Output) => h.nodeHeartbeat(req)),
    AwaitWork: serveUnary((req: AwaitWorkRequest__Output, cancelled) => h.awaitWork(req, cancelled)),
    ReportTask: serveUnary((req: TaskReport__Output) => h.reportTask(req)),
    FetchModel: (async (call) => {
      try {
        for (const part of fileParts(h.fetchModel(call.request))) {
          if (call.cancelled) return;
          if (!call.write(part)) await once(call, 'drain');
        }
        call.end();
      } catch (err) {
        call.emit('error', toServiceError(err));
      }
    }) as grpc.handleServerStreamingCall<TaskRef__Output, unknown>,
    UploadArtifacts: ((call, callback) => {
      h.uploadArtifacts(call as AsyncIterable<FilePart__Output>).then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err)),
      );
    }) as grpc.handleClientStreamingCall<FilePart__Output, Ack>,
  };
  server.addService(loadContract().Agent.service, impl);
}

/** Client side of the Agent service, with a deadline on every call. */
export class AgentConnection {
  private readonly client: AgentClient;
  private readonly failures: CallFailures;

  /** `tls`: this node's identity; default plaintext. */
  constructor(readonly address: string, tls?: TlsCredentials) {
    ({ client: this.client, failures: this.failures } = openClient(loadContract().Agent, address, tls, {
      'grpc.max_receive_message_length': 64 << 20,
      'grpc.max_send_message_length': 8 << 20,
    }));
  }

  private call<Req, Res>(name: string, method: (req: Req, options: grpc.CallOptions, cb: grpc.requestCallback<Res>) => unknown, req: Req, timeoutMs: number): Promise<Res> {
    return unaryCall(this.failures, name, timeoutMs, (options, cb) => method.call(this.client, req, options, cb));
  }

  submitTask(req: SubmitTaskRequest, timeoutMs = 10000): Promise<SubmitTaskReply__Output> {
    return this.call('SubmitTask', this.client.submitTask, req, timeoutMs);
  }
  listTasks(timeoutMs = 10000): Promise<TaskList__Output> {
    return this.call('ListTasks', this.client.listTasks, {}, timeoutMs);
  }
  getTaskStatus(req: TaskRef, timeoutMs = 10000): Promise<TaskStatus__Output> {
    return this.call('GetTaskStatus', this.client.getTaskStatus, req, timeoutMs);
  }
  cancelTask(req: TaskRef, timeoutMs = 10000): Promise<TaskStatus__Output> {
    return this.call('CancelTask', this.client.cancelTask, req, timeoutMs);
  }
  listNodes(timeoutMs = 10000): Promise<NodeList__Output> {
    return this.call('ListNodes', this.client.listNodes, {}, timeoutMs);
  }
  setNodeAttributes(req: SetNodeAttributesRequest, timeoutMs = 10000): Promise<NodeInfo__Output> {
    return this.call('SetNodeAttributes', this.client.setNodeAttributes, req, timeoutMs);
  }
  getTopology(req: TaskRef, timeoutMs = 10000): Promise<Topology__Output> {
    return this.call('GetTopology', this.client.getTopology, req, timeoutMs);
  }
  register(req: RegisterRequest, timeoutMs = 10000): Promise<RegisterReply__Output> {
    return this.call('Register', this.client.register, req, timeoutMs);
  }
  nodeHeartbeat(req: NodeHeartbeatRequest, timeoutMs = 3000): Promise<NodeHeartbeatReply__Output> {
    return this.call('NodeHeartbeat', this.client.nodeHeartbeat, req, timeoutMs);
  }
  awaitWork(req: AwaitWorkRequest, timeoutMs: number): Promise<WorkOrder__Output> {
    return this.call('AwaitWork', this.client.awaitWork, req, timeoutMs);
  }
  reportTask(req: TaskReport, timeoutMs = 5000): Promise<Ack__Output> {
    return this.call('ReportTask', this.client.reportTask, req, timeoutMs);
  }

  /** Downloads a task's model files into `dir` (created), each checked for size and digest. */
  async fetchModel(req: TaskRef, dir: string, timeoutMs = 300000): Promise<string[]> {
    mkdirSync(dir, { recursive: true });
    const stream = this.client.fetchModel(req, { deadline: Date.now() + timeoutMs });
    try {
      return await receiveFiles(stream as AsyncIterable<FilePart__Output>, () => dir);
    } catch (err) {
      stream.cancel();
      if (err instanceof ValidationError) throw err;
      throw await this.failures.explain('FetchModel', err);
    }
  }

  /** Streams files (paths, or bytes under a name) to the agent; `auth` names the task and the sending node. */
  uploadArtifacts(auth: Pick<FileHeader, 'taskId' | 'nodeId' | 'nodeToken'>, files: FileSource[], timeoutMs = 300000): Promise<Ack__Output> {
    return new Promise((resolve, reject) => {
      const call = this.client.uploadArtifacts({ deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) void this.failures.explain('UploadArtifacts', err).then(reject);
        else resolve(res as Ack__Output);
      });
      const send = async (): Promise<void> => {
        for (const part of fileParts(files, auth)) {
          if (!call.write(part)) await once(call, 'drain');
        }
        call.end();
      };
      send().catch((err: unknown) => {
        call.cancel();
        reject(err);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
