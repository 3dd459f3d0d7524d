/** Message types of the contract, named as the rest of fmls uses them (decoded form). */
export type { Ack__Output as Ack } from './generated/fmls/v1/Ack';
export type { Assignment__Output as Assignment } from './generated/fmls/v1/Assignment';
export type { AuditEvent__Output as AuditEvent, AuditEvent as AuditEventInput } from './generated/fmls/v1/AuditEvent';
export type { AwaitRequest__Output as AwaitRequest } from './generated/fmls/v1/AwaitRequest';
export type { DownloadRequest__Output as DownloadRequest } from './generated/fmls/v1/DownloadRequest';
export type { GetTaskRequest__Output as GetTaskRequest } from './generated/fmls/v1/GetTaskRequest';
export type { HeartbeatReply__Output as HeartbeatReply } from './generated/fmls/v1/HeartbeatReply';
export type { HeartbeatRequest__Output as HeartbeatRequest } from './generated/fmls/v1/HeartbeatRequest';
export type { JoinReply__Output as JoinReply } from './generated/fmls/v1/JoinReply';
export type { JoinRequest__Output as JoinRequest } from './generated/fmls/v1/JoinRequest';
export type { LeaveRequest__Output as LeaveRequest } from './generated/fmls/v1/LeaveRequest';
export type { ModelHeader__Output as ModelHeader } from './generated/fmls/v1/ModelHeader';
export type { TaskInfo__Output as TaskInfo } from './generated/fmls/v1/TaskInfo';
export type { UpdateHeader__Output as UpdateHeader } from './generated/fmls/v1/UpdateHeader';
export type { UploadReply__Output as UploadReply } from './generated/fmls/v1/UploadReply';
