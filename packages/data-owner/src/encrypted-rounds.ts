/**
 * The data owner's encrypted-aggregation steps, called from its round loop: deal the
 * task keys (as the dealer), adopt them (everyone else), turn a downloaded encrypted
 * aggregate into the plaintext mean, and hand the final model over when asked.
 */
import { randomBytes } from 'node:crypto';
import { type Logger } from '@fmls/core';
import { PROTOCOL_VERSION, vectorDigest, type Assignment, type AuditSink, type DownloadedModel } from '@fmls/wire';
import type { CoordinatorSession } from './coordinator-session';
import type { HeSession } from './he-session';

export interface EncryptedContext {
  he: HeSession;
  session: CoordinatorSession;
  audit: AuditSink;
  logger: Logger;
  taskId: string;
  clientId: string;
}

export async function dealKeys(c: EncryptedContext, a: Assignment): Promise<void> {
  const bundle = c.he.deal(a.recipients.map((r) => ({ clientId: r.clientId, boxPublicKey: r.boxPublicKey })));
  await c.session.call((s) => c.session.connection.publishKeys({ taskId: c.taskId, clientId: c.clientId, session: s, ...bundle }));
  c.logger.info({ recipients: a.recipients.length }, 'dealt the task keys: the secret key went sealed to each data owner');
}

export async function adoptKeys(c: EncryptedContext): Promise<void> {
  const bundle = await c.session.call((s) => c.session.connection.getKeys({ taskId: c.taskId, clientId: c.clientId, session: s }));
  c.he.adopt(bundle);
  c.logger.info({ dealer: bundle.dealerId }, 'opened the task secret key sealed for this node');
}

/** The model to train from: plaintext as sent, or the decrypted mean of an encrypted aggregate. */
export async function modelFrom(c: EncryptedContext, download: DownloadedModel, params: number, round: number): Promise<Float32Array> {
  if (download.vector) return download.vector;
  const { header } = download;
  try {
    const mean = await c.he.decryptMean(download.bytes as Buffer, params, header.totalWeight, header.contributors);
    c.audit.emit('decryption', { node: c.clientId, taskId: c.taskId, round, details: { version: header.modelVersion, contributors: header.contributors } });
    return mean;
  } catch (err) {
    c.audit.emit('decryption-refused', { node: c.clientId, taskId: c.taskId, round, details: { version: header.modelVersion, contributors: header.contributors, reason: (err as Error).message } });
    throw err;
  }
}

/** Decrypts the final model and hands it to the coordinator (the requester is entitled to it). */
export async function releaseModel(c: EncryptedContext, a: Assignment, download: DownloadedModel, params: number): Promise<void> {
  const model = await modelFrom(c, download, params, a.round);
  const uploadId = `${c.clientId}-release-v${a.modelVersion}-${randomBytes(4).toString('hex')}`;
  const reply = await c.session.call((s) =>
    c.session.connection.releaseModel(
      { protocolVersion: PROTOCOL_VERSION, taskId: c.taskId, clientId: c.clientId, session: s, uploadId, round: a.round, modelVersion: a.modelVersion, sampleCount: 1, numParams: model.length, sha256: vectorDigest(model), metrics: {}, encoding: 'float32' },
      model,
      300000,
    ),
  );
  if (reply.accepted) c.logger.info({ version: a.modelVersion }, 'handed the decrypted final model to the coordinator');
  else c.logger.warn(`the coordinator refused the released model: ${reply.reason}`);
}
