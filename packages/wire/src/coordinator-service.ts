/**
 * The Coordinator service on both sides of the wire. The servicer only decodes,
 * maps errors to status codes and streams with backpressure; the logic lives in
 * the handlers the coordinator package supplies.
 */
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { Ack } from './generated/fmls/v1/Ack';
import type { Assignment, Assignment__Output } from './generated/fmls/v1/Assignment';
import type { AwaitRequest, AwaitRequest__Output } from './generated/fmls/v1/AwaitRequest';
import type { DownloadRequest, DownloadRequest__Output } from './generated/fmls/v1/DownloadRequest';
import type { GetTaskRequest, GetTaskRequest__Output } from './generated/fmls/v1/GetTaskRequest';
import type { HeartbeatReply, HeartbeatReply__Output } from './generated/fmls/v1/HeartbeatReply';
import type { HeartbeatRequest, HeartbeatRequest__Output } from './generated/fmls/v1/HeartbeatRequest';
import type { JoinReply, JoinReply__Output } from './generated/fmls/v1/JoinReply';
import type { JoinRequest, JoinRequest__Output } from './generated/fmls/v1/JoinRequest';
import type { LeaveRequest, LeaveRequest__Output } from './generated/fmls/v1/LeaveRequest';
import type { ModelHeader, ModelHeader__Output } from './generated/fmls/v1/ModelHeader';
import type { ModelPart__Output } from './generated/fmls/v1/ModelPart';
import type { TaskInfo, TaskInfo__Output } from './generated/fmls/v1/TaskInfo';
import type { UpdateHeader } from './generated/fmls/v1/UpdateHeader';
import type { UpdatePart__Output } from './generated/fmls/v1/UpdatePart';
import type { UploadReply, UploadReply__Output } from './generated/fmls/v1/UploadReply';
import type { Ack__Output } from './generated/fmls/v1/Ack';
import type { CoordinatorClient } from './generated/fmls/v1/Coordinator';
import { ValidationError } from '@fmls/core';
import { loadContract } from './proto';
import { cancelSignal, serveUnary } from './servicer';
import { callFailed, toServiceError } from './status-errors';
import { toChunks, VectorAssembler } from './tensor-chunks';

export type UpdatePartMessage = UpdatePart__Output;
export type UpdateHeaderInput = UpdateHeader;

/** A model version ready to send: header plus the flat vector. */
export interface ModelPayload {
  header: ModelHeader;
  vector: Float32Array;
}

export interface CoordinatorHandlers {
  getTask(req: GetTaskRequest__Output): Promise<TaskInfo> | TaskInfo;
  join(req: JoinRequest__Output): Promise<JoinReply> | JoinReply;
  leave(req: LeaveRequest__Output): Promise<Ack> | Ack;
  heartbeat(req: HeartbeatRequest__Output): Promise<HeartbeatReply> | HeartbeatReply;
  /** `cancelled` aborts when the caller goes away. */
  awaitAssignment(req: AwaitRequest__Output, cancelled: AbortSignal): Promise<Assignment>;
  downloadModel(req: DownloadRequest__Output): Promise<ModelPayload> | ModelPayload;
  /** Parts arrive in order: a header, then chunks. Reading slowly applies backpressure to the sender. */
  uploadUpdate(parts: AsyncIterable<UpdatePart__Output>, cancelled: AbortSignal): Promise<UploadReply>;
}

export function addCoordinatorService(server: grpc.Server, handlers: CoordinatorHandlers): void {
  const impl: grpc.UntypedServiceImplementation = {
    GetTask: serveUnary((req: GetTaskRequest__Output) => handlers.getTask(req)),
    Join: serveUnary((req: JoinRequest__Output) => handlers.join(req)),
    Leave: serveUnary((req: LeaveRequest__Output) => handlers.leave(req)),
    Heartbeat: serveUnary((req: HeartbeatRequest__Output) => handlers.heartbeat(req)),
    AwaitAssignment: serveUnary((req: AwaitRequest__Output, cancelled) => handlers.awaitAssignment(req, cancelled)),
    DownloadModel: (async (call) => {
      try {
        const { header, vector } = await handlers.downloadModel(call.request);
        call.write({ header });
        for (const chunk of toChunks(vector)) {
          if (call.cancelled) return;
          if (!call.write({ chunk })) await once(call, 'drain');
        }
        call.end();
      } catch (err) {
        call.emit('error', toServiceError(err));
      }
    }) as grpc.handleServerStreamingCall<DownloadRequest__Output, unknown>,
    UploadUpdate: ((call, callback) => {
      handlers.uploadUpdate(call as AsyncIterable<UpdatePart__Output>, cancelSignal(call)).then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err)),
      );
    }) as grpc.handleClientStreamingCall<UpdatePart__Output, UploadReply>,
  };
  server.addService(loadContract().Coordinator.service, impl);
}

function unary<Res>(peer: string, name: string, timeoutMs: number, invoke: (options: grpc.CallOptions, cb: grpc.requestCallback<Res>) => void): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke({ deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(callFailed(peer, name, err));
      else resolve(res as Res);
    });
  });
}

/** Client side of the Coordinator service, with a deadline on every call. */
export class CoordinatorConnection {
  private readonly client: CoordinatorClient;

  constructor(readonly address: string) {
    const Ctor = loadContract().Coordinator;
    this.client = new Ctor(address, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 8 << 20,
      'grpc.max_send_message_length': 8 << 20,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
    });
  }

  getTask(req: GetTaskRequest, timeoutMs = 5000): Promise<TaskInfo__Output> {
    return unary(this.address, 'GetTask', timeoutMs, (o, cb) => this.client.getTask(req, o, cb));
  }
  join(req: JoinRequest, timeoutMs = 10000): Promise<JoinReply__Output> {
    return unary(this.address, 'Join', timeoutMs, (o, cb) => this.client.join(req, o, cb));
  }
  leave(req: LeaveRequest, timeoutMs = 3000): Promise<Ack__Output> {
    return unary(this.address, 'Leave', timeoutMs, (o, cb) => this.client.leave(req, o, cb));
  }
  heartbeat(req: HeartbeatRequest, timeoutMs = 3000): Promise<HeartbeatReply__Output> {
    return unary(this.address, 'Heartbeat', timeoutMs, (o, cb) => this.client.heartbeat(req, o, cb));
  }
  awaitAssignment(req: AwaitRequest, timeoutMs: number): Promise<Assignment__Output> {
    return unary(this.address, 'AwaitAssignment', timeoutMs, (o, cb) => this.client.awaitAssignment(req, o, cb));
  }

  /** Downloads and validates a model version: chunk order, finite values, length and digest. */
  async downloadModel(req: DownloadRequest, timeoutMs: number): Promise<{ header: ModelHeader__Output; vector: Float32Array }> {
    const stream = this.client.downloadModel(req, { deadline: Date.now() + timeoutMs });
    let header: ModelHeader__Output | undefined;
    let assembler: VectorAssembler | undefined;
    try {
      for await (const part of stream as AsyncIterable<ModelPart__Output>) {
        if (part.header) {
          if (header) throw new ValidationError('model stream sent two headers');
          header = part.header;
          assembler = new VectorAssembler(header.numParams);
        } else if (part.chunk) {
          if (!assembler) throw new ValidationError('model stream sent a chunk before its header');
          assembler.add(part.chunk);
        }
      }
    } catch (err) {
      stream.cancel();
      if (err instanceof ValidationError) throw err;
      throw callFailed(this.address, 'DownloadModel', err);
    }
    if (!header || !assembler) throw new ValidationError('model stream ended without a header');
    return { header, vector: assembler.finish(header.sha256) };
  }

  /** Streams an update: the header, then the vector in chunks, respecting flow control. */
  uploadUpdate(header: UpdateHeader, vector: Float32Array, timeoutMs: number): Promise<UploadReply__Output> {
    return new Promise((resolve, reject) => {
      const call = this.client.uploadUpdate({ deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(callFailed(this.address, 'UploadUpdate', err));
        else resolve(res as UploadReply__Output);
      });
      const send = async (): Promise<void> => {
        call.write({ header });
        for (const chunk of toChunks(vector)) {
          if (!call.write({ chunk })) await once(call, 'drain');
        }
        call.end();
      };
      send().catch(() => call.cancel());
    });
  }

  close(): void {
    this.client.close();
  }
}
